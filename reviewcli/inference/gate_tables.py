"""Faster CPU prediction for one-layer GRU and LSTM models: each word's input to the gates, looked up.

In a one-layer encoder the input part of every gate, W_ih · embedding(word) + biases, depends on
the word alone. A table of it per vocabulary word turns the widest matrix product of inference
(300 inputs into 4 × 128 gates per direction for the shipped model) into a row lookup; what is left
is the recurrent product h · W_hh, both directions in one batched product per time step.

Rows are filled the first time a word is seen, so `predict "great taste"` computes two rows and a
long stream ends up computing each word once. The recurrence runs here, step by step, in PyTorch's
equations and weight layout (an LSTM's rows stack the gates i, f, g, o; a GRU's r, z, n), and must
give the module's own probabilities (tests: 1e-5). A Reader holds a copy of what it needs from the
weights as they were when it was made: make a new one after the weights change.

Used for prediction on the CPU in fp32, where it was measured (bench/gate_tables.py, bench/speed.py:
1.6x the module's model time with 2 threads, 2x with 1, on 2 AMD EPYC cores). CUDA keeps cuDNN's
fused kernels and bf16 keeps autocast's: this loop of small steps was not measured against them.
"""

import threading

from reviewcli.model.network import reversal_index

CELLS = ("lstm", "gru")


def applies(model, device, bf16: bool) -> bool:
    config = model.config
    return config.layers == 1 and config.cell in CELLS and device.type == "cpu" and not bf16


def reader_for(model, device, bf16: bool):
    """A Reader for `model`, or the model itself where no table applies; both score (ids, lengths)."""
    return Reader(model) if applies(model, device, bf16) else model


class Reader:
    """Scores batches as model(ids, lengths) does, in eval mode, through the per-word gate tables.

    tanh(x) = 2 sigmoid(2x) - 1, and PyTorch's sigmoid cost a quarter of its tanh per number in the
    profile of `predict` (2.13, CPU: 53 us for (2, 64, 512) against 55 us for (2, 64, 128)): so the
    columns that feed a tanh (an LSTM's g, a GRU's n) are stored doubled, each step takes one
    sigmoid over all its gates, and an LSTM keeps its cell state doubled for the tanh of h."""

    def __init__(self, model):
        import torch

        self.model = model
        self.cell = model.config.cell
        self.hidden = model.config.hidden
        rnns = [model.encoder.forward_rnns[0], *model.encoder.backward_rnns[:1]]
        order, scale = self.layout()
        with torch.no_grad():
            self.embedding = model.embedding.weight.detach().clone()
            self.w_ih = torch.stack([r.weight_ih_l0[order].t() * scale for r in rnns])  # (D, E, G)
            self.w_hh = torch.stack([r.weight_hh_l0[order].t() * scale for r in rnns])  # (D, H, G)
            b_ih = torch.stack([r.bias_ih_l0[order] * scale for r in rnns]).unsqueeze(1)  # (D, 1, G)
            b_hh = torch.stack([r.bias_hh_l0[order] * scale for r in rnns]).unsqueeze(1)
        # what each step adds to h W_hh: nothing, but for a GRU's b_hn, which stays inside r * (W_hn h + b_hn);
        # every other bias folds into the table rows
        self.step_bias = torch.zeros_like(b_hh)
        if self.cell == "gru":
            self.step_bias[..., 2 * self.hidden :] = b_hh[..., 2 * self.hidden :]
        self.row_bias = b_ih + b_hh - self.step_bias
        directions, vocab, width = len(rnns), self.embedding.size(0), self.w_ih.size(-1)
        self.table = torch.empty(directions * vocab, width)  # direction d's row of word w at d * V + w
        self.filled = torch.zeros(vocab, dtype=torch.bool)
        self.filling = threading.Lock()  # batches may be scored on several threads (threads.in_threads)

    def layout(self):
        """(row order, column scale) of the gates: an LSTM's i, f, g, o become i, f, o, 2g; a GRU's
        r, z, n become r, z, 2n."""
        import torch

        h = self.hidden
        if self.cell == "gru":
            return torch.arange(3 * h), torch.cat([torch.ones(2 * h), torch.full((h,), 2.0)])
        order = torch.cat([torch.arange(0, 2 * h), torch.arange(3 * h, 4 * h), torch.arange(2 * h, 3 * h)])
        return order, torch.cat([torch.ones(3 * h), torch.full((h,), 2.0)])

    def __call__(self, ids, lengths):
        """ids (B, T) padded with pad_index, lengths (B,) all >= 1 -> logits (B,)."""
        import torch

        with torch.inference_mode():
            steps, batch = ids.size(1), ids.size(0)
            by_step = ids.t().reshape(-1)  # (T * B,) time-major
            self.fill(by_step)
            bidirectional = len(self.w_ih) == 2
            reverse = reversal_index(lengths, steps) if bidirectional else None
            rows = [by_step]
            if bidirectional:  # the backward direction reads each review reversed, as Encoder does
                rows.append(by_step.index_select(0, reverse) + len(self.embedding))
            order = torch.stack([r.view(steps, batch) for r in rows], dim=1)  # (T, D, B)
            states = self.run(order.view(steps, -1), batch)  # (T, D, B, H)
            # The backward states stay in reading order, each review's reversed: max and mean over a
            # review's real steps are the same in any order (the tests hold this to the module's
            # 1e-5), and putting them back copied the batch's states twice.
            return self.model.with_ngrams(self.model.score_states(list(states.unbind(1)), lengths), ids, lengths)

    def fill(self, ids) -> None:
        """Computes the table rows of the words among `ids` not seen before. One thread at a time:
        another's batch reads only rows already filled, which never change."""
        import torch

        words = torch.unique(ids)
        with self.filling:
            new = words[~self.filled[words]]
            if len(new) == 0:
                return
            vectors = self.embedding.index_select(0, new).expand(len(self.w_ih), -1, -1)  # (D, N, E)
            table = self.table.view(len(self.w_ih), -1, self.w_ih.size(-1))
            table[:, new] = torch.baddbmm(self.row_bias, vectors, self.w_ih)  # (D, N, G)
            self.filled[new] = True

    def run(self, order, batch: int):
        """order (T, D * B) table rows per step -> states (T, D, B, H), from a zero state."""
        import torch

        steps, directions = order.size(0), len(self.w_ih)
        states = self.table.new_empty(steps, directions, batch, self.hidden)
        gates = self.table.new_empty(directions * batch, self.w_ih.size(-1))  # this step's, rewritten in place
        h = self.table.new_zeros(directions, batch, self.hidden)
        c = torch.zeros_like(h)  # an LSTM's cell state, doubled (lstm_step)
        step = self.lstm_step if self.cell == "lstm" else self.gru_step
        views = gates.view(directions, batch, -1), *gates.view(directions, batch, -1).split(self.hidden, dim=-1)
        for t in range(steps):
            torch.index_select(self.table, 0, order[t], out=gates)
            h = step(views, h, c, states[t])
        return states

    def lstm_step(self, views, h, c, out):
        """views: gates (D, B, 4H) holding the looked-up inputs i, f, o, 2g, and its four parts;
        c holds twice the cell state, updated in place; writes h to out.

        With s = sigmoid(2g), tanh(g) = 2s - 1, so 2c' = f * 2c + 2i(2s - 1) = f * 2c + 4is - 2i,
        and h = o * tanh(c') = o * (2 sigmoid(2c') - 1): no tanh at all (3x sigmoid's cost here)."""
        import torch

        gates, i, f, o, g = views
        gates.baddbmm_(h, self.w_hh).sigmoid_()
        c.mul_(f).addcmul_(i, g, value=4).sub_(i, alpha=2)
        return torch.sigmoid(c, out=out).mul_(2).sub_(1).mul_(o)

    def gru_step(self, views, h, c, out):
        """views: gates (D, B, 3H) holding the looked-up inputs r, z, 2n, and its three parts (c
        unused); writes h to out."""
        import torch

        gates, r, z, n = views
        hidden = torch.baddbmm(self.step_bias, h, self.w_hh)  # (D, B, 3H): W_h h, b_hn in its n part, n doubled
        two = 2 * self.hidden
        gates[..., :two].add_(hidden[..., :two]).sigmoid_()  # r and z
        n.addcmul_(r, hidden[..., two:]).sigmoid_().mul_(2).sub_(1)  # tanh of the undoubled n
        return torch.lerp(n, h, z, out=out)  # (1 - z) * n + z * h
