"""Typed settings that travel with the weights: the model's shape and how it was trained."""

from dataclasses import asdict, dataclass, fields

CELLS = ("gru", "lstm", "rnn")
# train's cell when none is given (and no --init decides): the shipped encoder's; see README "Compare cells"
DEFAULT_CELL = "lstm"
# Far above any model reviewcli trains, far below what would exhaust memory by a typo or on purpose
SIZE_CAPS = {"vocab_size": 10_000_000, "embedding_dim": 100_000, "hidden": 100_000, "layers": 64}
# train's rows for hashed word pairs in the bag of n-grams beside the encoder (reviewcli.model.ngrams); 0 turns it off
DEFAULT_NGRAM_BUCKETS = 2**18
MAX_NGRAM_BUCKETS = 100_000_000
DEVICES = ("auto", "cpu", "cuda")  # auto: CUDA when present
PRECISIONS = ("auto", "fp32", "bf16")  # of inference; auto: reviewcli.inference.device.use_bf16 decides
ENGINES = ("local", "spark")  # where predict scores: this process, or Spark over Parquet files
EXPLAIN_METHODS = ("ig", "occlusion")  # integrated gradients, or each word replaced by <unk>
DEFAULT_THRESHOLD = 0.5  # P(positive) at or above which a review is positive
DEFAULT_TOP_K = 5  # words explain lists as deciding most
# a review is left unscored when fewer than this share of its words are in the model's vocabulary (another
# language, symbols only): at 0.5, at most 0.38 % of six English test sets, 97 % of short foreign or symbol
# reviews (docs/experiments/unscorable.md)
MIN_KNOWN_SHARE = 0.5


@dataclass(frozen=True)
class PretrainDefaults:
    """pretrain's own defaults where they differ from train's (TrainConfig, ModelConfig)."""

    epochs: int = 2
    min_freq: int = 3
    dropout: float = 0.1
    scratch_embedding_dim: int = 128  # with --from-scratch; else the shipped vectors' size


@dataclass(frozen=True)
class CompareDefaults:
    """compare's defaults: short trials, several seeds per cell."""

    epochs: int = 5
    trials: int = 10
    seeds: int = 3  # how many, counted from the first seed


def check_int(name: str, value) -> None:
    """bool is an int subclass in Python, but `true` is no layer count."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number, not {value!r}")


@dataclass
class ModelConfig:
    """Everything needed to rebuild the network from config.json alone."""

    vocab_size: int
    cell: str = DEFAULT_CELL
    embedding_dim: int = 128
    hidden: int = 128
    layers: int = 1
    bidirectional: bool = True
    dropout: float = 0.3
    pad_index: int = 0
    ngram_buckets: int = 0  # 0: no bag of n-grams (every model made before it, and language models)

    def __post_init__(self):
        # config.json may come from anywhere: every value is checked here, before any layer is sized by it
        if not isinstance(self.cell, str) or self.cell not in CELLS:
            raise ValueError(f"cell must be one of {', '.join(CELLS)}, not {self.cell!r}")
        for name, cap in SIZE_CAPS.items():
            value = getattr(self, name)
            check_int(name, value)
            if value < 1:
                raise ValueError(f"{name} must be at least 1")
            if value > cap:
                raise ValueError(f"{name} must be at most {cap:,}, not {value:,}")
        if not isinstance(self.bidirectional, bool):
            raise TypeError(f"bidirectional must be true or false, not {self.bidirectional!r}")
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, (int, float)):
            raise TypeError(f"dropout must be a number, not {self.dropout!r}")
        if not 0.0 <= self.dropout < 1.0:  # also refuses NaN
            raise ValueError("dropout must be in [0, 1)")
        check_int("ngram_buckets", self.ngram_buckets)
        if not 0 <= self.ngram_buckets <= MAX_NGRAM_BUCKETS:
            raise ValueError(f"ngram_buckets must be in [0, {MAX_NGRAM_BUCKETS:,}], not {self.ngram_buckets:,}")
        check_int("pad_index", self.pad_index)
        if not 0 <= self.pad_index < self.vocab_size:
            raise ValueError(f"pad_index must be in [0, vocab_size), not {self.pad_index}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class TrainConfig:
    """How a model is fitted; stored beside the weights so a run can be repeated or resumed."""

    epochs: int = 10
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.01
    clip: float = 1.0
    max_length: int = 400
    patience: int = 3
    seed: int = 13
    device: str = "auto"
    min_freq: int = 2
    max_vocab: int = 30000
    val_fraction: float = 0.1
    adversarial: float = 0.05  # size of the word-vector perturbation, relative to each review's vectors; 0: off
    strip_markup: bool = True  # HTML and BBCode out before tokenizing (reviewcli.core.markup); False: --keep-markup

    def __post_init__(self):
        for name in ("epochs", "batch_size", "max_length", "min_freq", "max_vocab"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.lr <= 0:
            raise ValueError("lr must be positive")
        if not 0.0 < self.val_fraction < 1.0:
            raise ValueError("val_fraction must be between 0 and 1")
        if self.adversarial < 0:
            raise ValueError("adversarial must be 0 (off) or positive")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        """From config.json's "train" section; keys this version does not know are left out."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
