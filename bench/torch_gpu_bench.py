#!/usr/bin/env python3
"""PyTorch's training throughput for a stacked LSTM/GRU forecaster on CUDA (cuDNN), the reference
for bench/webgpu.js on a GPU machine: the same work as rnnfc's training benchmarks (windows of
--window steps with --features inputs, --layers recurrent layers of --units, a dense head with one
output, MSE, Adam, mini-batches of --batch in order), one warm-up epoch, then --rounds times --epochs timed ones (the median).
Prints one JSON line. Needs torch with CUDA; exits 3 when CUDA is not available.
"""
import argparse, json, sys, time

import torch

p = argparse.ArgumentParser()
p.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
p.add_argument("--layers", type=int, default=2)
p.add_argument("--units", type=int, default=64)
p.add_argument("--window", type=int, default=48)
p.add_argument("--features", type=int, default=1)
p.add_argument("--batch", type=int, default=64)
p.add_argument("--samples", type=int, default=2048)
p.add_argument("--epochs", type=int, default=2)
p.add_argument("--rounds", type=int, default=1)  # timed repeats; the median is reported
a = p.parse_args()

if not torch.cuda.is_available():
    print(json.dumps({"error": "CUDA is not available to torch"}))
    sys.exit(3)
dev = torch.device("cuda")
torch.manual_seed(0)
torch.backends.cudnn.enabled = True
torch.backends.cudnn.benchmark = True
x = torch.randn(a.samples, a.window, a.features, device=dev)
y = torch.randn(a.samples, 1, device=dev)
rnn_cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[a.cell]


class Forecaster(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = rnn_cls(a.features, a.units, num_layers=a.layers, batch_first=True)
        self.head = torch.nn.Linear(a.units, 1)

    def forward(self, xb):
        out, _ = self.rnn(xb)
        return self.head(out[:, -1, :])


model = Forecaster().to(dev)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.MSELoss()


def epoch():
    for s in range(0, a.samples, a.batch):
        xb, yb = x[s : s + a.batch], y[s : s + a.batch]
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
    torch.cuda.synchronize()


epoch()
rates = []
for _ in range(a.rounds):
    t0 = time.perf_counter()
    for _ in range(a.epochs):
        epoch()
    rates.append(a.samples * a.epochs / (time.perf_counter() - t0))
rates.sort()
print(json.dumps({
    "engine": "pytorch-cuda",
    "device": torch.cuda.get_device_name(0),
    "torch": torch.__version__,
    "cudnn": torch.backends.cudnn.version(),
    "shape": vars(a),
    "samples_per_s": rates[len(rates) // 2] if len(rates) % 2 else (rates[len(rates) // 2 - 1] + rates[len(rates) // 2]) / 2,
    "rounds": rates,
}))
