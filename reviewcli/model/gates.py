"""What a trained GRU or LSTM kept and forgot: its gates, recomputed by replaying the trained
weights through the cell equations, layer by layer and direction by direction, as the Encoder runs.

nn.GRU and nn.LSTM return hidden states only; the gates are inside the fused kernel. The replay
uses PyTorch's equations and weight layout (weight_ih_l0 stacks the gates in the order i, f, g, o
for an LSTM and r, z, n for a GRU) and must give the modules' own hidden states (tests: 1e-5).

What "kept" means:
- LSTM: c = f * c_prev + i * g, h = o * tanh(c). The forget gate f is the share of the cell state
  kept; input gate i how much new content is written; output gate o how much of the cell is shown.
- GRU: h = (1 - z) * n + z * h_prev. The update gate z is the share of the previous state kept;
  the reset gate r how much of it feeds the candidate n.
- plain RNN: h = tanh(W x + U h_prev + b) has no gates.

Eval mode only: the Encoder's LockedDropout between layers is then the identity, as here.
"""

from dataclasses import dataclass

from reviewcli.model.network import Encoder, reorder, reversal_index

GATE_NAMES = {"lstm": ("input", "forget", "output"), "gru": ("update", "reset")}
KEPT = {"lstm": "forget", "gru": "update"}
LOW, HIGH = 0.1, 0.9  # a unit is saturated below LOW or above HIGH


@dataclass
class Replayed:
    """One layer and direction over a time-major batch, in input order: states (T, B, H); gates:
    name -> (T, B, H) in [0, 1]; cell (T, B, H) for LSTMs, else None."""

    layer: int  # 1-based
    direction: str  # "forward" or "backward"
    states: object
    gates: dict
    cell: object = None

    @property
    def name(self) -> str:
        return f"layer{self.layer}_{self.direction}"


def replay(encoder: Encoder, cell: str, inputs, lengths) -> list[Replayed]:
    """inputs (T, B, E) word vectors, lengths (B,) -> every layer and direction, replayed."""
    import torch

    if cell not in GATE_NAMES:
        raise ValueError(f"a {cell} cell has no gates")
    reverse = reversal_index(lengths.to(inputs.device), inputs.size(0)) if encoder.backward_rnns else None
    found, layer_input = [], inputs
    with torch.no_grad():
        for layer in range(len(encoder.forward_rnns)):
            done = [run(encoder.forward_rnns[layer], cell, layer_input, layer + 1, "forward")]
            if reverse is not None:
                backward = run(encoder.backward_rnns[layer], cell, reorder(layer_input, reverse), layer + 1, "backward")
                done.append(reordered(backward, reverse))
            found += done
            layer_input = torch.cat([d.states for d in done], dim=-1)  # (T, B, H * directions)
    return found


def reordered(replayed: Replayed, index) -> Replayed:
    """A backward run put back in input order (reversal_index is its own inverse)."""
    gates = {name: reorder(value, index) for name, value in replayed.gates.items()}
    cell = None if replayed.cell is None else reorder(replayed.cell, index)
    return Replayed(replayed.layer, replayed.direction, reorder(replayed.states, index), gates, cell)


def run(module, cell: str, inputs, layer: int, direction: str) -> Replayed:
    """One single-layer nn.LSTM / nn.GRU over (T, B, D) inputs from a zero state."""
    import torch

    steps = lstm_steps if cell == "lstm" else gru_steps
    w_ih, w_hh, b_ih, b_hh = module.weight_ih_l0, module.weight_hh_l0, module.bias_ih_l0, module.bias_hh_l0
    projected = inputs @ w_ih.t() + b_ih  # (T, B, gates * H), every step's input part at once
    states, gates, cells = steps(projected, w_hh, b_hh, module.hidden_size)
    stacked = {name: torch.stack(values) for name, values in gates.items()}
    return Replayed(layer, direction, torch.stack(states), stacked, torch.stack(cells) if cells else None)


def lstm_steps(projected, w_hh, b_hh, hidden: int):
    import torch

    h = projected.new_zeros(projected.size(1), hidden)
    c = torch.zeros_like(h)
    states, cells, gates = [], [], {"input": [], "forget": [], "output": []}
    for x in projected:  # x (B, 4H)
        i, f, g, o = (x + h @ w_hh.t() + b_hh).chunk(4, dim=-1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g
        h = o * torch.tanh(c)
        states.append(h)
        cells.append(c)
        for name, value in zip(("input", "forget", "output"), (i, f, o)):
            gates[name].append(value)
    return states, gates, cells


def gru_steps(projected, w_hh, b_hh, hidden: int):
    import torch

    h = projected.new_zeros(projected.size(1), hidden)
    states, gates = [], {"update": [], "reset": []}
    for x in projected:  # x (B, 3H)
        x_r, x_z, x_n = x.chunk(3, dim=-1)
        h_r, h_z, h_n = (h @ w_hh.t() + b_hh).chunk(3, dim=-1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        n = torch.tanh(x_n + r * h_n)
        h = (1 - z) * n + z * h
        states.append(h)
        gates["update"].append(z)
        gates["reset"].append(r)
    return states, gates, []


def summarise(replayed: list[Replayed], column: int, steps: int) -> list[dict]:
    """Per time step of review `column` (its first `steps` steps): {layer_direction: {gate:
    {"mean", "below_0.1", "above_0.9"}, ..., "cell_norm" for LSTMs}}."""
    summary = [{} for _ in range(steps)]
    for part in replayed:
        per_gate = {name: gate_stats(value[:steps, column]) for name, value in part.gates.items()}
        norms = part.cell[:steps, column].norm(dim=-1).tolist() if part.cell is not None else None
        for t in range(steps):
            entry = {name: stats[t] for name, stats in per_gate.items()}
            if norms is not None:
                entry["cell_norm"] = round(norms[t], 4)
            summary[t][part.name] = entry
    return summary


def gate_stats(values) -> list[dict]:
    """(T, H) gate values -> per step: the mean over units and the shares saturated low and high."""
    means = values.mean(dim=-1).tolist()
    low = (values < LOW).float().mean(dim=-1).tolist()
    high = (values > HIGH).float().mean(dim=-1).tolist()
    return [
        {"mean": round(m, 4), "below_0.1": round(a, 4), "above_0.9": round(b, 4)} for m, a, b in zip(means, low, high)
    ]
