"""SentimentModel: embedding -> GRU | LSTM | RNN -> max+mean pooling over real tokens -> one logit."""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from reviewcli.config import ModelConfig

_CELLS = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}


class SentimentModel(nn.Module):
    """Scores a batch of token-id sequences; a positive logit means a positive review."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=config.pad_index)
        self.encoder = _CELLS[config.cell](
            config.embedding_dim,
            config.hidden,
            num_layers=config.layers,
            bidirectional=config.bidirectional,
            batch_first=True,
            dropout=config.dropout if config.layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(config.dropout)
        directions = 2 if config.bidirectional else 1
        # max and mean pooled states, concatenated
        self.head = nn.Linear(2 * directions * config.hidden, 1)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """ids (B, T) padded with pad_index, lengths (B,) on the CPU, all >= 1 -> logits (B,)."""
        states = self.encode(ids, lengths)  # (B, T', H*dirs), T' = longest in batch
        mask = (torch.arange(states.size(1)) < lengths.unsqueeze(1)).to(states.device)  # (B, T')
        mask = mask.unsqueeze(-1)  # (B, T', 1)
        maxed = states.masked_fill(~mask, float("-inf")).amax(dim=1)  # (B, H*dirs)
        mean = (states * mask).sum(dim=1) / lengths.to(states.device, states.dtype).unsqueeze(1)
        pooled = torch.cat([maxed, mean], dim=1)  # (B, 2*H*dirs)
        return self.head(self.dropout(pooled)).squeeze(-1)  # (B,)

    def encode(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Hidden states for every real token; packing keeps padding out of the recurrence."""
        embedded = self.dropout(self.embedding(ids))  # (B, T, E)
        packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        output, _ = self.encoder(packed)
        states, _ = pad_packed_sequence(output, batch_first=True)  # (B, T', H*dirs)
        return states


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
