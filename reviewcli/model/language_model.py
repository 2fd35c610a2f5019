"""Next-word language model over the classifier's own embedding and encoder, for `reviewcli pretrain`.

The forward layers learn to predict the next word and the backward layers the previous one
(the two language models of ULMFiT and ELMo, here sharing one embedding). The output layer is the
embedding matrix itself (tied weights), scored against a sample of words rather than the whole
vocabulary: sampled softmax, corrected by each word's sampling probability (Jean et al. 2015), so
a step costs (1 + negatives) dot products per token instead of one per vocabulary word.
"""

import torch
from torch import nn

from reviewcli.core.config import ModelConfig
from reviewcli.model.network import Dropout, EmbeddedEncoder, real_steps


class LanguageModel(EmbeddedEncoder):
    """embedding -> Encoder -> (projection) -> tied output; parameter names match SentimentModel's.

    table_rows: (V, E) word vectors (the shipped table's rows for the vocabulary) to read words
    through, fixed: the encoder learns over them, and they are not saved with it."""

    def __init__(self, config: ModelConfig, counts: list[int], negatives: int = 512, table_rows=None):
        super().__init__(config)
        if table_rows is not None:
            self.embedding = FixedEmbedding(table_rows)
        self.output_dropout = Dropout(config.dropout)
        # states live in hidden space, words in embedding space; a projection joins them when they differ
        same = config.hidden == config.embedding_dim
        self.projection = nn.Identity() if same else nn.Linear(config.hidden, config.embedding_dim, bias=False)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))
        self.negatives = negatives
        self.register_buffer("sampling", sampling_distribution(counts, config.pad_index), persistent=False)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """ids (B, T), lengths (B,) -> (summed loss, correct predictions), each a 0-d tensor, over
        every predicted word: each review's words 2..n forwards and 1..n-1 backwards."""
        time_major = ids.t()  # (T, B)
        directions = self.read(ids, lengths)
        real = real_steps(ids.size(1), lengths, ids.device)  # (T, B)
        states, targets = [], []
        # forward: the state at t predicts the word at t + 1
        states.append(directions[0][:-1][real[1:]])
        targets.append(time_major[1:][real[1:]])
        if len(directions) == 2:  # backward: the state at t (having read t..n) predicts the word at t - 1
            states.append(directions[1][1:][real[1:]])
            targets.append(time_major[:-1][real[1:]])
        hidden = self.projection(self.output_dropout(torch.cat(states)))  # (N, E)
        return self.sampled_loss(hidden, torch.cat(targets))

    def sampled_loss(self, hidden: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """hidden (N, E), targets (N,) -> summed cross-entropy over target + shared negatives, and
        how often the target outscored every negative."""
        negatives = torch.multinomial(self.sampling, self.negatives, replacement=True)  # (K,)
        log_expected = torch.log(self.sampling * self.negatives)  # log of expected draws per word
        weights = self.embedding.weight
        true_logits = (hidden * weights[targets]).sum(-1) + self.bias[targets] - log_expected[targets]  # (N,)
        sampled_logits = hidden @ weights[negatives].t() + self.bias[negatives] - log_expected[negatives]  # (N, K)
        sampled_logits = sampled_logits.masked_fill(negatives.unsqueeze(0) == targets.unsqueeze(1), float("-inf"))
        logits = torch.cat([true_logits.unsqueeze(1), sampled_logits], dim=1)  # the target is column 0
        loss = nn.functional.cross_entropy(logits, torch.zeros_like(targets), reduction="sum")
        correct = (logits.argmax(dim=1) == 0).sum()
        return loss, correct


class FixedEmbedding(nn.Module):
    """An embedding held at given rows: no gradient, and left out of the saved weights."""

    def __init__(self, rows: torch.Tensor):
        super().__init__()
        self.register_buffer("weight", rows, persistent=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return nn.functional.embedding(ids, self.weight)


def sampling_distribution(counts: list[int], pad_index: int) -> torch.Tensor:
    """Word frequencies to the power 0.75 (word2vec's choice): frequent words are sampled often,
    rare ones more than their share. <pad> is never sampled."""
    weights = torch.tensor(counts, dtype=torch.float64).clamp(min=1).pow(0.75)
    weights[pad_index] = 0.0
    return (weights / weights.sum()).float()


def encoder_weights(model: LanguageModel) -> dict[str, torch.Tensor]:
    """The weights a SentimentModel takes over: the embedding and the encoder."""
    return {k: v for k, v in model.state_dict().items() if k.startswith(("embedding.", "encoder."))}
