#!/usr/bin/env python3
"""Independent PyTorch implementation of qtrain's training protocol (TRAIN_SPEC.md).

Two uses, both outside the test suite (PyTorch is installed with pip only for this script):
  * `bench`  : training images/s of a net in PyTorch on 2 CPU threads, the baseline that
               `qtrain`'s own benchmark is compared against;
  * `table1` : the Table 1 method grid (adam, r-adam, bc-adam, sr-adam, ...) on real CIFAR-10,
               the independent cross-check of qtrain's final test errors.

Everything that defines the protocol is written out here rather than taken from torchvision or
torch.optim for the quantized weights: CIFAR-10 binary reader, normalisation, augmentation
(raw-pixel zero pad 4, random 32x32 crop, random horizontal flip), networks (conv no bias -> BN ->
ReLU -> pool), the +-1 conv init, and the methods' conv-weight updates (the ADAM/SGD step u is
computed by hand, then R: sign(w_b - u), SR: stochastic rounding of clip(w_b - u), BC: w_r <-
clip(w_r - u, -1, 1) with the forward on sign(w_r)). Linear and BN parameters use plain
torch.optim.Adam / SGD, whose step equals lr*m_hat/(sqrt(v_hat)+eps) resp. lr*g.
Only the binary grid {-1,+1} is implemented (the spec's default).

See benches/README.md for how to install and run.
"""

import argparse
import csv
import math
import os
import sys
import time

import numpy as np

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - explained to the user
    sys.exit("pytorch_qtrain.py needs PyTorch: see benches/README.md (pip install torch)")

MEAN = np.array([125.0, 123.0, 114.0], dtype=np.float32).reshape(1, 3, 1, 1)
SCALE = 64.0
METHODS = ["sgd", "adam", "r-sgd", "r-adam", "sr-sgd", "sr-adam", "bc-sgd", "bc-adam"]
BETA1, BETA2, ADAM_EPS = 0.9, 0.999, 1e-8
BN_EPS, BN_MOMENTUM = 1e-5, 0.1
PAD = 4


# ----------------------------------------------------------------------------------------- data
def find_batches(data_dir):
    """DIR itself or DIR/cifar-10-batches-bin, whichever holds test_batch.bin."""
    for d in (data_dir, os.path.join(data_dir, "cifar-10-batches-bin")):
        if os.path.isfile(os.path.join(d, "test_batch.bin")):
            return d
    sys.exit(f"no CIFAR-10 binary batches (test_batch.bin) in {data_dir} or its cifar-10-batches-bin/")


def read_records(path):
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size % 3073:
        sys.exit(f"{path}: size {raw.size} is not a multiple of 3073 (1 label + 3072 pixels)")
    rec = raw.reshape(-1, 3073)
    return rec[:, 1:].reshape(-1, 3, 32, 32).copy(), rec[:, 0].astype(np.int64)


def load_cifar10(data_dir, train_limit=None):
    d = find_batches(data_dir)
    xs, ys = zip(*(read_records(os.path.join(d, f"data_batch_{i}.bin")) for i in range(1, 6)))
    xtr, ytr = np.concatenate(xs), np.concatenate(ys)
    if train_limit:
        xtr, ytr = xtr[:train_limit], ytr[:train_limit]  # first N records in file order
    xte, yte = read_records(os.path.join(d, "test_batch.bin"))
    return xtr, ytr, xte, yte


def normalise(u8):
    """x = (pixel - [125,123,114][c]) / 64, float32 NCHW."""
    return (u8.astype(np.float32) - MEAN) / SCALE


def augment(u8, rng):
    """Per image: pad 4 raw-zero pixels, random 32x32 crop, flip with prob 1/2 (uint8 in/out)."""
    n = u8.shape[0]
    padded = np.zeros((n, 3, 32 + 2 * PAD, 32 + 2 * PAD), dtype=np.uint8)
    padded[:, :, PAD:PAD + 32, PAD:PAD + 32] = u8
    oy = rng.integers(0, 2 * PAD + 1, size=n)
    ox = rng.integers(0, 2 * PAD + 1, size=n)
    flip = rng.random(n) < 0.5
    ar = np.arange(32)
    rows = (oy[:, None] + ar[None, :])  # n x 32
    cols = (ox[:, None] + ar[None, :])
    cols = np.where(flip[:, None], cols[:, ::-1], cols)
    idx_n = np.arange(n)[:, None, None, None]
    idx_c = np.arange(3)[None, :, None, None]
    return padded[idx_n, idx_c, rows[:, None, :, None], cols[:, None, None, :]]


# -------------------------------------------------------------------------------------- networks
def ch(x, width):
    """c(x) = max(1, round(x*W)), rounding half away from zero (as Rust's f64::round)."""
    return max(1, int(math.floor(x * width + 0.5)))


def bn2d(c):
    return nn.BatchNorm2d(c, eps=BN_EPS, momentum=BN_MOMENTUM)


class VggBC(nn.Module):
    """BinaryConnect's VGG: 2x128C3-MP2-2x256C3-MP2-2x512C3-MP2-2x1024FC-classes."""

    def __init__(self, width, classes):
        super().__init__()
        layers, cin = [], 3
        for c, pool in [(128, False), (128, True), (256, False), (256, True), (512, False), (512, True)]:
            cout = ch(c, width)
            layers += [nn.Conv2d(cin, cout, 3, 1, 1, bias=False), bn2d(cout), nn.ReLU(inplace=True)]
            if pool:
                layers.append(nn.MaxPool2d(2, 2))
            cin = cout
        self.features = nn.Sequential(*layers)
        f = ch(1024, width)
        self.classifier = nn.Sequential(
            nn.Linear(cin * 16, f, bias=False), nn.BatchNorm1d(f, eps=BN_EPS, momentum=BN_MOMENTUM),
            nn.ReLU(inplace=True),
            nn.Linear(f, f, bias=False), nn.BatchNorm1d(f, eps=BN_EPS, momentum=BN_MOMENTUM),
            nn.ReLU(inplace=True),
            nn.Linear(f, classes, bias=True))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))  # channel-major C x 4 x 4


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = bn2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = bn2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), bn2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.short is None else self.short(x)))


class ResNet(nn.Module):
    """resnet-N (N = 6k+2) and wrn-N-k (channels x k), CIFAR style with global average pool."""

    def __init__(self, depth, mult, width, classes):
        super().__init__()
        if depth < 8 or (depth - 2) % 6:
            sys.exit(f"resnet depth {depth} is not 6k+2 with k >= 1")
        k = (depth - 2) // 6
        c0 = ch(16 * mult, width)
        self.stem = nn.Sequential(nn.Conv2d(3, c0, 3, 1, 1, bias=False), bn2d(c0), nn.ReLU(inplace=True))
        blocks, cin = [], c0
        for stage, base in enumerate([16, 32, 64]):
            cout = ch(base * mult, width)
            for b in range(k):
                blocks.append(BasicBlock(cin, cout, 2 if (stage > 0 and b == 0) else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, classes, bias=True)

    def forward(self, x):
        y = self.blocks(self.stem(x))
        return self.fc(y.mean(dim=(2, 3)))


def build_net(name, width, classes):
    if name == "vgg-bc":
        return VggBC(width, classes)
    parts = name.split("-")
    try:
        if parts[0] == "resnet" and len(parts) == 2:
            return ResNet(int(parts[1]), 1, width, classes)
        if parts[0] == "wrn" and len(parts) == 3:
            return ResNet(int(parts[1]), int(parts[2]), width, classes)
    except ValueError:
        pass
    sys.exit(f"unknown net {name!r} (vgg-bc, resnet-N, wrn-N-k)")


def init_net(net, latent_init):
    """Conv weights: seeded fair-coin sign times latent_init; Linear/BN keep PyTorch defaults
    (Kaiming-uniform bound 1/sqrt(fan_in), gamma 1, beta 0), drawn from the same seeded generator."""
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            with torch.no_grad():
                s = torch.randint(0, 2, m.weight.shape, dtype=torch.float32) * 2 - 1
                m.weight.copy_(s * latent_init)


# --------------------------------------------------------------------------------------- methods
def sign_pm1(x):
    """Binary Qd: sign with sign(0) = +1."""
    return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))


class Trainer:
    """Holds the net, the method's conv-weight state and the plain optimizer for the rest."""

    def __init__(self, net, method, lr, latent_init):
        if method not in METHODS:
            sys.exit(f"unknown method {method!r} ({', '.join(METHODS)})")
        self.net, self.method = net, method
        self.base, self.kind = ("adam", method[:-5]) if method.endswith("adam") else ("sgd", method[:-4])
        if method in ("adam", "sgd"):
            self.kind = "fp"
        self.convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
        conv_ids = {id(m.weight) for m in self.convs}
        others = [p for p in net.parameters() if id(p) not in conv_ids]
        if self.base == "adam":
            self.opt = torch.optim.Adam(others, lr=lr, betas=(BETA1, BETA2), eps=ADAM_EPS, weight_decay=0)
        else:
            self.opt = torch.optim.SGD(others, lr=lr, momentum=0, weight_decay=0)
        self.lr = lr
        self.t = 0
        self.m = [torch.zeros_like(c.weight) for c in self.convs]
        self.v = [torch.zeros_like(c.weight) for c in self.convs]
        # BC's full-precision buffer w_r; the conv's .weight then holds Qd(w_r) for the forward.
        self.w_r = None
        if self.kind == "bc":
            self.w_r = [c.weight.detach().clone() for c in self.convs]
            self._load_bc_forward_weights()

    def set_lr(self, lr):
        self.lr = lr
        for g in self.opt.param_groups:
            g["lr"] = lr

    def _load_bc_forward_weights(self):
        with torch.no_grad():
            for c, wr in zip(self.convs, self.w_r):
                c.weight.copy_(sign_pm1(wr))

    @torch.no_grad()
    def _conv_steps(self):
        """u for every conv weight from its gradient (w.r.t. the weight used in the forward)."""
        self.t += 1
        steps = []
        for i, c in enumerate(self.convs):
            g = c.weight.grad
            if self.base == "adam":
                self.m[i].mul_(BETA1).add_(g, alpha=1 - BETA1)
                self.v[i].mul_(BETA2).addcmul_(g, g, value=1 - BETA2)
                m_hat = self.m[i] / (1 - BETA1 ** self.t)
                v_hat = self.v[i] / (1 - BETA2 ** self.t)
                steps.append(self.lr * m_hat / (v_hat.sqrt() + ADAM_EPS))
            else:
                steps.append(self.lr * g)
        return steps

    def step(self, x, y):
        """One training step; returns (sum of losses, number wrong) over the batch."""
        self.net.train()
        for c in self.convs:
            c.weight.grad = None
        self.opt.zero_grad(set_to_none=True)
        out = self.net(x)
        loss = F.cross_entropy(out, y)  # mean softmax cross-entropy
        loss.backward()
        self.opt.step()
        steps = self._conv_steps()
        with torch.no_grad():
            for i, (c, u) in enumerate(zip(self.convs, steps)):
                w = c.weight
                if self.kind == "fp":
                    w.sub_(u)
                elif self.kind == "r":  # eq. 4: w_b <- Qd(w_b - u)
                    w.copy_(sign_pm1(w - u))
                elif self.kind == "sr":  # eq. 6: +1 with prob (clip(w_b - u, -1, 1) + 1) / 2
                    p = (torch.clamp(w - u, -1.0, 1.0) + 1.0) / 2.0
                    w.copy_(torch.where(torch.rand_like(p) < p, torch.ones_like(p), -torch.ones_like(p)))
                elif self.kind == "bc":  # eq. 7: w_r <- clip(w_r - u, -1, 1); forward on Qd(w_r)
                    self.w_r[i].sub_(u).clamp_(-1.0, 1.0)
                    w.copy_(sign_pm1(self.w_r[i]))
        n = y.shape[0]
        return float(loss.item()) * n, int((out.argmax(1) != y).sum().item())

    @torch.no_grad()
    def test_error(self, x_u8, y, batch=1000):
        """Percent error on (x_u8, y), BN in eval mode, conv weights as used in the forward."""
        self.net.eval()
        wrong = 0
        for s in range(0, len(y), batch):
            x = torch.from_numpy(normalise(x_u8[s:s + batch]))
            wrong += int((self.net(x).argmax(1) != torch.from_numpy(y[s:s + batch])).sum().item())
        return 100.0 * wrong / len(y)


def lr_at(epoch, epochs, lr0):
    """lr0 for e < round(82E/160), lr0/10 until round(122E/160), lr0/100 after (e from 0)."""
    m1 = math.floor(82 * epochs / 160 + 0.5)
    m2 = math.floor(122 * epochs / 160 + 0.5)
    return lr0 if epoch < m1 else (lr0 / 10 if epoch < m2 else lr0 / 100)


def make_trainer(args, method, classes):
    torch.manual_seed(args.seed)  # same init for every method
    net = build_net(args.net, args.width, classes)
    init_net(net, args.latent_init)
    return Trainer(net, method, args.lr, args.latent_init)


# ------------------------------------------------------------------------------------ subcommands
def cmd_table1(args):
    torch.set_num_threads(args.threads)
    xtr, ytr, xte, yte = load_cifar10(args.data, args.train_limit)
    classes = 10
    os.makedirs(args.out, exist_ok=True)
    tag = f"{args.net}-w{args.width:g}{args.suffix}"
    per_epoch = os.path.join(args.out, f"{args.prefix}-{tag}-epochs.csv")
    final = os.path.join(args.out, f"{args.prefix}-{tag}.csv")
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    done = {}
    if args.resume and os.path.isfile(per_epoch):
        with open(per_epoch) as f:
            for row in csv.DictReader(f):
                done.setdefault(row["method"], []).append(row)
    new_file = not (args.resume and os.path.isfile(per_epoch))
    ef = open(per_epoch, "w" if new_file else "a", newline="")
    ew = csv.writer(ef)
    if new_file:
        ew.writerow(["method", "epoch", "lr", "train_loss", "train_error", "test_error", "seconds"])
        ef.flush()
    results = {}
    print(f"table1: {args.net} width {args.width} epochs {args.epochs} train {len(ytr)} test {len(yte)} "
          f"threads {torch.get_num_threads()} -> {per_epoch}", flush=True)
    for method in methods:
        rows = done.get(method, [])
        if len(rows) >= args.epochs:  # finished in an earlier run
            results[method] = float(rows[args.epochs - 1]["test_error"])
            print(f"{method}: already done, test error {results[method]:.2f}%", flush=True)
            continue
        if rows:
            sys.exit(f"{method} has {len(rows)} of {args.epochs} epochs in {per_epoch}: a partially "
                     "trained method cannot be resumed (no checkpoints); delete its rows and rerun")
        tr = make_trainer(args, method, classes)
        for epoch in range(args.epochs):
            lr = lr_at(epoch, args.epochs, args.lr)
            tr.set_lr(lr)
            rng = np.random.default_rng([args.seed, epoch])  # same order/augmentation per method
            order = rng.permutation(len(ytr))
            t0 = time.time()
            loss_sum, wrong, seen = 0.0, 0, 0
            for s in range(0, len(order), args.batch):
                idx = order[s:s + args.batch]
                x = torch.from_numpy(normalise(augment(xtr[idx], rng)))
                y = torch.from_numpy(ytr[idx])
                l, w = tr.step(x, y)
                if not math.isfinite(l):
                    sys.exit(f"{method}: non-finite loss at epoch {epoch + 1}, batch {s // args.batch}")
                loss_sum, wrong, seen = loss_sum + l, wrong + w, seen + len(idx)
            test_err = tr.test_error(xte, yte)
            secs = time.time() - t0
            ew.writerow([method, epoch + 1, f"{lr:g}", f"{loss_sum / seen:.6f}", f"{100.0 * wrong / seen:.4f}",
                         f"{test_err:.4f}", f"{secs:.2f}"])
            ef.flush()
            print(f"{method} epoch {epoch + 1}/{args.epochs} lr {lr:g} loss {loss_sum / seen:.4f} "
                  f"train err {100.0 * wrong / seen:.2f}% test err {test_err:.2f}% ({secs:.1f} s)", flush=True)
        results[method] = test_err
    ef.close()
    with open(final, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["method", "test_error"])
        for m in methods:
            w.writerow([m, f"{results[m]:.4f}"])
    print(f"wrote {final}")


def cmd_bench(args):
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    if args.data:
        xtr, ytr, _, _ = load_cifar10(args.data, None)
    else:  # synthetic images: speed does not depend on pixel values
        xtr = rng.integers(0, 256, size=(4096, 3, 32, 32), dtype=np.uint8)
        ytr = rng.integers(0, 10, size=4096).astype(np.int64)
    print(f"bench: {args.net} width {args.width} batch {args.batch} steps {args.steps} "
          f"(+{args.warmup} warm-up) threads {torch.get_num_threads()} torch {torch.__version__}", flush=True)
    for method in [m.strip() for m in args.methods.split(",") if m.strip()]:
        tr = make_trainer(args, method, 10)
        order = rng.permutation(len(ytr))

        def batch(i):
            s = (i * args.batch) % (len(order) - args.batch)
            idx = order[s:s + args.batch]
            return torch.from_numpy(normalise(augment(xtr[idx], rng))), torch.from_numpy(ytr[idx])

        for i in range(args.warmup):
            tr.step(*batch(i))
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(args.steps):
            tr.step(*batch(args.warmup + i))
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        ips = args.steps * args.batch / dt
        # CPU seconds (all threads) show how contended the cores were: on 2 free cores cpu ~ 2*dt.
        print(f"{method}: {ips:.1f} images/s ({args.steps} steps of {args.batch} in {dt:.2f} s wall, "
              f"{cpu:.2f} s CPU = {args.steps * args.batch / cpu:.1f} images per CPU-second)", flush=True)
        if args.csv:
            new = not os.path.isfile(args.csv)
            with open(args.csv, "a", newline="") as f:
                w = csv.writer(f)
                if new:
                    w.writerow(["net", "width", "method", "batch", "steps", "threads", "images_per_second",
                                "wall_seconds", "cpu_seconds", "load_average_1min"])
                w.writerow([args.net, args.width, method, args.batch, args.steps, torch.get_num_threads(),
                            f"{ips:.1f}", f"{dt:.2f}", f"{cpu:.2f}", f"{os.getloadavg()[0]:.2f}"])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp):
        sp.add_argument("--net", default="vgg-bc", help="vgg-bc, resnet-N, wrn-N-k")
        sp.add_argument("--width", type=float, default=1.0, help="channel width multiplier W")
        sp.add_argument("--batch", type=int, default=128)
        sp.add_argument("--lr", type=float, default=0.01)
        sp.add_argument("--latent-init", type=float, default=1.0, help="conv init = sign * this")
        sp.add_argument("--seed", type=int, default=1)
        sp.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (qtrain uses 2 cores)")

    t = sub.add_parser("table1", help="train each method, write per-epoch and final CSVs")
    common(t)
    t.add_argument("--epochs", type=int, required=True)
    t.add_argument("--data", required=True, help="CIFAR-10 binary dir (or its parent)")
    t.add_argument("--out", required=True)
    t.add_argument("--train-limit", type=int, default=None, help="first N training records")
    t.add_argument("--methods", default="adam,r-adam,bc-adam,sr-adam")
    t.add_argument("--prefix", default="pytorch-crosscheck", help="output file name prefix")
    t.add_argument("--suffix", default="", help="appended to the net tag in file names (parallel parts)")
    t.add_argument("--resume", action="store_true", help="skip methods already complete in the CSV")
    t.set_defaults(fn=cmd_table1)

    b = sub.add_parser("bench", help="training images/s")
    common(b)
    b.add_argument("--methods", default="adam,bc-adam")
    b.add_argument("--steps", type=int, default=20)
    b.add_argument("--warmup", type=int, default=3)
    b.add_argument("--data", default=None, help="use real CIFAR-10 images (default: synthetic)")
    b.add_argument("--csv", default=None, help="append the result rows to this CSV")
    b.set_defaults(fn=cmd_bench)

    args = p.parse_args(argv)
    if args.batch < 1 or args.width <= 0:
        p.error("--batch must be >= 1 and --width > 0")
    args.fn(args)


if __name__ == "__main__":
    main()
