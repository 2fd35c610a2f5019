"""SentimentModel: embedding -> GRU | LSTM | RNN -> max+mean pooling over real tokens -> one logit."""

import torch
from torch import nn

from reviewcli.config import ModelConfig

_CELLS = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}


class Encoder(nn.Module):
    """Stacked, optionally bidirectional recurrent layers over padded batches.

    Not nn.GRU(bidirectional=True) with packed sequences: on the CPU the backward pass of a packed
    RNN grows with the square of the length (PyTorch 2.13: 1.1k tokens/s at 400 tokens against 73k
    padded). Instead the backward direction reads each review reversed within its own length, so
    padding only ever follows the real tokens and never reaches their states.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        cell = _CELLS[config.cell]
        directions = 2 if config.bidirectional else 1
        sizes = [config.embedding_dim] + [config.hidden * directions] * (config.layers - 1)
        self.forward_rnns = nn.ModuleList(cell(size, config.hidden, batch_first=True) for size in sizes)
        self.backward_rnns = nn.ModuleList(
            cell(size, config.hidden, batch_first=True) for size in (sizes if config.bidirectional else [])
        )
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """inputs (B, T, E), lengths (B,) -> states (B, T, H*dirs); states past a length are junk."""
        reverse = reversal_index(lengths.to(inputs.device), inputs.size(1)) if self.backward_rnns else None
        for layer, forward_rnn in enumerate(self.forward_rnns):
            if layer > 0:
                inputs = self.dropout(inputs)
            states, _ = forward_rnn(inputs)  # (B, T, H)
            if reverse is not None:
                backward_states, _ = self.backward_rnns[layer](flip(inputs, reverse))
                states = torch.cat([states, flip(backward_states, reverse)], dim=-1)  # (B, T, 2H)
            inputs = states
        return inputs


def reversal_index(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    """(B, T) index that reverses each row's first `length` positions and keeps the padding in place."""
    positions = torch.arange(steps, device=lengths.device).unsqueeze(0)  # (1, T)
    reversed_positions = lengths.unsqueeze(1) - 1 - positions  # (B, T)
    return torch.where(positions < lengths.unsqueeze(1), reversed_positions, positions)


def flip(sequence: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Reorder time steps of (B, T, D) by a (B, T) index; applying it twice restores the order."""
    return sequence.gather(1, index.unsqueeze(-1).expand_as(sequence))


class SentimentModel(nn.Module):
    """Scores a batch of token-id sequences; a positive logit means a positive review."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=config.pad_index)
        self.encoder = Encoder(config)
        # in place: it only ever drops fresh tensors (embedding and cat outputs) that nothing else reads
        self.dropout = nn.Dropout(config.dropout, inplace=True)
        directions = 2 if config.bidirectional else 1
        # max and mean pooled states, concatenated
        self.head = nn.Linear(2 * directions * config.hidden, 1)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """ids (B, T) padded with pad_index, lengths (B,) all >= 1 -> logits (B,)."""
        states = self.encoder(self.dropout(self.embedding(ids)), lengths)  # (B, T, H*dirs)
        lengths = lengths.to(states.device)
        mask = torch.arange(states.size(1), device=states.device) < lengths.unsqueeze(1)  # (B, T)
        maxed = states.masked_fill(~mask.unsqueeze(-1), float("-inf")).amax(dim=1)  # (B, H*dirs)
        # mean over real tokens as one batched matrix product: (B, 1, T) @ (B, T, H*dirs)
        weights = (mask / lengths.unsqueeze(1)).to(states.dtype).unsqueeze(1)  # (B, 1, T)
        mean = torch.bmm(weights, states).squeeze(1)  # (B, H*dirs)
        pooled = torch.cat([maxed, mean], dim=1)  # (B, 2*H*dirs)
        return self.head(self.dropout(pooled)).squeeze(-1)  # (B,)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
