"""SentimentModel: embedding -> GRU | LSTM | RNN -> max+mean pooling over real tokens -> one logit,
plus, where the config has buckets for it, a bag of n-grams' linear score (reviewcli.model.ngrams)."""

import torch
from torch import nn

from reviewcli.core.config import ModelConfig
from reviewcli.model.ngrams import BagOfNgrams

_CELLS = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}


class Encoder(nn.Module):
    """Stacked, optionally bidirectional recurrent layers over padded, time-major batches.

    Not nn.GRU(bidirectional=True) with packed sequences: on the CPU the backward pass of a packed
    RNN grows with the square of the length (PyTorch 2.13: 1.1k tokens/s at 400 tokens against 73k
    padded). Instead the backward direction reads each review reversed within its own length, so
    padding only ever follows the real tokens and never reaches their states. Time-major (T, B, D)
    is the layout the recurrent kernels work in: no transposed copies in or out.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        cell = _CELLS[config.cell]
        directions = 2 if config.bidirectional else 1
        sizes = [config.embedding_dim] + [config.hidden * directions] * (config.layers - 1)
        self.forward_rnns = nn.ModuleList(cell(size, config.hidden) for size in sizes)
        self.backward_rnns = nn.ModuleList(
            cell(size, config.hidden) for size in (sizes if config.bidirectional else [])
        )
        self.dropout = LockedDropout(config.dropout)

    def forward(self, inputs: torch.Tensor, lengths: torch.Tensor) -> list[torch.Tensor]:
        """inputs (T, B, E), lengths (B,) -> the last layer's states, one (T, B, H) per direction,
        in input order; states past a review's length are junk."""
        reverse = reversal_index(lengths.to(inputs.device), inputs.size(0)) if self.backward_rnns else None
        states = self.layer(0, inputs, reverse)
        for layer in range(1, len(self.forward_rnns)):
            states = self.layer(layer, self.dropout(torch.cat(states, dim=-1)), reverse)  # input (T, B, H*dirs)
        return states

    def layer(self, layer: int, inputs: torch.Tensor, reverse: torch.Tensor | None) -> list[torch.Tensor]:
        states = [self.forward_rnns[layer](inputs)[0]]
        if reverse is not None:
            backward_states, _ = self.backward_rnns[layer](Reverse.apply(inputs, reverse))
            states.append(Reverse.apply(backward_states, reverse))
        return states


def reversal_index(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    """(T*B,) row index into a (T*B, D) view of a time-major batch that reverses each review's
    first `length` time steps and keeps its padding in place."""
    positions = torch.arange(steps, device=lengths.device).unsqueeze(1)  # (T, 1)
    reversed_positions = lengths.unsqueeze(0) - 1 - positions  # (T, B)
    within = torch.where(positions < lengths.unsqueeze(0), reversed_positions, positions)
    columns = torch.arange(len(lengths), device=lengths.device).unsqueeze(0)  # (1, B)
    return (within * len(lengths) + columns).reshape(-1)


class Reverse(torch.autograd.Function):
    """Reorders the time steps of a time-major (T, B, D) batch by a reversal_index.

    The reordering is its own inverse, so the gradient goes back through the same whole-row copy
    (index_select). Tensor.gather would copy element by element and scatter-add on the way back:
    2.6x slower forward and backward at (64, 23, 128) on the CPU.
    """

    @staticmethod
    def forward(ctx, sequence: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(index)
        return reorder(sequence, index)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (index,) = ctx.saved_tensors
        return reorder(grad, index), None


def reorder(sequence: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    steps, batch, width = sequence.shape
    return sequence.reshape(steps * batch, width).index_select(0, index).view(steps, batch, width)


class Dropout(nn.Module):
    """nn.Dropout with a cheaper mask: uniform numbers compared in place, where nn.Dropout's
    bernoulli_ took 2.3x as long on the CPU (300 against 130 us at (64, 512), PyTorch 2.13)."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return inputs
        return inputs * keep_mask(self.mask_shape(inputs), self.p, inputs)

    def mask_shape(self, inputs: torch.Tensor) -> tuple[int, ...]:
        return tuple(inputs.shape)


class LockedDropout(Dropout):
    """Drops the same features at every time step of a review (Gal & Ghahramani 2016; AWD-LSTM).

    One mask of (1, B, D) for a (T, B, D) batch: the recurrent layers see a consistent input, and
    drawing T times fewer random numbers makes it 15x cheaper than nn.Dropout on the CPU.
    """

    def mask_shape(self, inputs: torch.Tensor) -> tuple[int, ...]:
        return (1, inputs.size(1), inputs.size(2))


def keep_mask(shape: tuple[int, ...], p: float, like: torch.Tensor) -> torch.Tensor:
    """1 / (1 - p) with probability 1 - p, else 0, in like's dtype and device."""
    keep = 1.0 - p
    return torch.rand(shape, dtype=like.dtype, device=like.device).lt_(keep).div_(keep)


class EmbeddedEncoder(nn.Module):
    """The part every reviewcli model shares: embedding -> (locked dropout) -> Encoder. Its weight
    names, embedding.* and encoder.*, are what `train --init` carries from one model to another."""

    def __init__(self, config: ModelConfig, initialise: bool = True):
        """initialise=False: the embedding is left unset (weights are about to be loaded; drawing
        4.5 million random numbers took a tenth of `predict "great taste"`'s own time)."""
        super().__init__()
        self.config = config
        unset = None if initialise else torch.empty(config.vocab_size, config.embedding_dim)
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=config.pad_index, _weight=unset)
        self.encoder = Encoder(config)
        self.embedding_dropout = LockedDropout(config.dropout)

    def read(self, ids: torch.Tensor, lengths: torch.Tensor) -> list[torch.Tensor]:
        """ids (B, T) padded with pad_index, lengths (B,) all >= 1 -> [(T, B, H)] per direction."""
        return self.read_embedded(self.embed(ids), lengths)

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """ids (B, T) -> time-major word vectors (T, B, E); zero at padding."""
        return self.embedding(ids.t())

    def read_embedded(self, embedded: torch.Tensor, lengths: torch.Tensor) -> list[torch.Tensor]:
        return self.encoder(self.embedding_dropout(embedded), lengths)


def real_steps(steps: int, lengths: torch.Tensor, device) -> torch.Tensor:
    """(T, B) mask: True at each review's real time steps, False at padding."""
    return torch.arange(steps, device=device).unsqueeze(1) < lengths.to(device)


class SentimentModel(EmbeddedEncoder):
    """Scores a batch of token-id sequences; a positive logit means a positive review."""

    def __init__(self, config: ModelConfig, initialise: bool = True):
        super().__init__(config, initialise)
        self.dropout = Dropout(config.dropout)
        directions = 2 if config.bidirectional else 1
        # max and mean pooled states, concatenated
        self.head = nn.Linear(2 * directions * config.hidden, 1)
        buckets = config.ngram_buckets
        self.ngrams = BagOfNgrams(config.vocab_size, buckets, config.pad_index, initialise) if buckets else None

    def forward(
        self, ids: torch.Tensor, lengths: torch.Tensor, *, perturbation: torch.Tensor | None = None,
        keep_embedded: bool = False,
    ):  # fmt: skip
        """ids (B, T) padded with pad_index, lengths (B,) all >= 1 -> logits (B,).

        perturbation: (T, B, E) added to the word vectors first (adversarial training);
        keep_embedded: return (logits, the (T, B, E) word vectors) so a caller can take their gradient."""
        embedded = self.embed(ids)
        logits = self.classify(embedded if perturbation is None else embedded + perturbation, lengths)
        logits = self.with_ngrams(logits, ids, lengths)
        return (logits, embedded) if keep_embedded else logits

    def with_ngrams(self, logits: torch.Tensor, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The encoder's logits (B,) plus the bag of n-grams' score of ids (B, T), if the model has one."""
        return logits if self.ngrams is None else logits + self.ngrams(ids, lengths).to(logits.dtype)

    def classify(self, embedded: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """embedded (T, B, E) word vectors, as from embed(), lengths (B,) -> logits (B,). Adversarial
        training perturbs the word vectors in between."""
        return self.score_states(self.read_embedded(embedded, lengths), lengths)

    def score_states(self, directions: list[torch.Tensor], lengths: torch.Tensor) -> torch.Tensor:
        """The encoder's states, one (T, B, H) per direction, lengths (B,) -> logits (B,): max and
        mean over each review's real steps, then the head. Within its real steps a review's states
        may come in any order (gate_tables.Reader passes the backward direction's reversed)."""
        real = real_steps(directions[0].size(0), lengths, directions[0].device)
        padding = torch.zeros_like(real, dtype=directions[0].dtype).masked_fill_(~real, float("-inf")).unsqueeze(-1)
        maxed = [max_pool(states, padding) for states in directions]
        means = [mean_pool(states, real) for states in directions]
        pooled = torch.cat(maxed + means, dim=1)  # (B, 2*H*dirs): max of each direction, then means
        return self.head(self.dropout(pooled)).squeeze(-1)  # (B,)


def max_pool(states: torch.Tensor, padding: torch.Tensor) -> torch.Tensor:
    """(T, B, H) states, (T, B, 1) of 0 at real steps and -inf at padding -> (B, H) maxima over
    real steps."""
    return MaxOverTime.apply(states + padding)


class MaxOverTime(torch.autograd.Function):
    """amax over dim 0 with a cheaper backward: the gradient goes to the steps that hold the
    maximum, split evenly between ties as amax's own gradient does.

    Tensor.max(dim) also returns the indices, and finding them made it 16x slower than amax on the
    CPU (284 against 17 us at (25, 64, 128)); amax's own backward is slower still (PyTorch 2.13).
    """

    @staticmethod
    def forward(ctx, states: torch.Tensor) -> torch.Tensor:
        maxima = states.amax(dim=0)
        ctx.save_for_backward(states, maxima)
        return maxima

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        states, maxima = ctx.saved_tensors
        # 1.0 where a step holds its column's maximum, else 0.0; float arithmetic throughout, as
        # comparisons into bool tensors and mixed bool * float products cost 3-5x more here
        at_max = (states - maxima.unsqueeze(0)).eq_(0)  # (T, B, H)
        share = grad / at_max.sum(dim=0)  # every column has at least one maximum
        return at_max.mul_(share.unsqueeze(0))


def mean_pool(states: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """(T, B, H) states, (T, B) mask of real time steps -> (B, H) means over real steps."""
    weights = real / real.sum(dim=0, keepdim=True)  # (T, B); every review has >= 1 real step
    return (states * weights.to(states.dtype).unsqueeze(-1)).sum(dim=0)


def with_new_words(weights: dict, count: int) -> dict:
    """Encoder weights with `count` rows appended to the embedding, each the mean of its rows past
    padding, as ULMFiT starts words its language model never saw (Howard & Ruder 2018)."""
    embedding = weights["embedding.weight"]
    mean = embedding[1:].mean(dim=0, keepdim=True)
    return {**weights, "embedding.weight": torch.cat([embedding, mean.expand(count, -1)])}


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def set_forget_bias(model: nn.Module, value: float) -> None:
    """Start every LSTM's forget gate with bias `value` (1 in Jozefowicz et al. 2015), so that early
    in training a cell keeps its state instead of forgetting it. PyTorch orders an LSTM's gates input,
    forget, cell, output and adds two biases; the forget slice of one is set, of the other zeroed."""
    for module in model.modules():
        if isinstance(module, nn.LSTM):
            hidden = module.hidden_size
            with torch.no_grad():
                for name, bias in module.named_parameters():
                    if name.startswith("bias_"):
                        bias[hidden : 2 * hidden] = value if name.startswith("bias_ih") else 0.0
