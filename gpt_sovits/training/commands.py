"""`python -m gpt_sovits train-sovits|train-gpt`: fine-tune a voice's models from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gpt_sovits.cli_common import DEFAULT_PRETRAINED, DEFAULT_WORKSPACE


def _options(args: argparse.Namespace):
    from gpt_sovits.training.options import TrainingOptions

    batch = None if args.batch_size in (None, "auto") else int(args.batch_size)
    extra = {"text_lr_ratio": args.text_lr_ratio} if getattr(args, "text_lr_ratio", None) is not None else {}
    if getattr(args, "accumulate", None) is not None:
        extra["accumulate"] = args.accumulate
    if getattr(args, "optimizer", None) is not None:
        extra["optimizer"] = args.optimizer
    return TrainingOptions(epochs=args.epochs, batch_size=batch, save_every=args.save_every,
                           keep_checkpoints=args.keep, resume=args.resume, device=args.device,
                           precision=args.precision, lr=args.lr, seed=args.seed, repeat_target=args.repeat_target,
                           max_steps=args.max_steps, num_threads=args.threads, **extra)


def _run(kind: str, args: argparse.Namespace) -> int:
    from gpt_sovits.training.common import voice_folders
    from gpt_sovits.training.progress import CancelToken
    from gpt_sovits.training.run import train_gpt, train_sovits

    options = _options(args)
    folders = voice_folders(Path(args.workspace), args.voice, kind)
    cancel = CancelToken(folders.cancel)
    cancel.clear()  # a request left by an earlier run must not stop this one
    cancel.watch_signals()
    train = train_sovits if kind == "sovits" else train_gpt
    result = train(args.voice, Path(args.workspace), Path(args.pretrained), options, args.model_version, cancel)
    if result.cancelled:
        sys.stdout.write(f"Cancelled after {result.steps} steps; checkpoint {result.checkpoint}. "
                         "Run again with --resume to continue.\n")
        return 0
    sys.stdout.write(f"Trained {result.epochs_done} epochs ({result.steps} steps). Saved:\n")
    for path in result.files:
        sys.stdout.write(f"  {path}\n")
    return 0


def cmd_train_sovits(args: argparse.Namespace) -> int:
    return _run("sovits", args)


def cmd_train_gpt(args: argparse.Namespace) -> int:
    return _run("gpt", args)


def _common(p: argparse.ArgumentParser, epochs: int, save_every: int) -> None:
    p.add_argument("--voice", required=True, help="voice name in the workspace")
    p.add_argument("--epochs", type=int, default=epochs, help=f"epochs to train (default {epochs})")
    p.add_argument("--batch-size", default="auto", help="items per batch, or 'auto' (from free GPU memory)")
    p.add_argument("--resume", action="store_true", help="continue from the newest checkpoint")
    p.add_argument("--pretrained", default=str(DEFAULT_PRETRAINED), help="pretrained models folder")
    p.add_argument("--workspace", default=str(DEFAULT_WORKSPACE), help="workspace folder")
    p.add_argument("--model-version", default=None, help="v2, v2Pro, v2ProPlus (default: the dataset's)")
    p.add_argument("--save-every", type=int, default=save_every, help=f"epochs between checkpoints ({save_every})")
    p.add_argument("--keep", type=int, default=2, help="checkpoints to keep (default 2)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--precision", default="auto", choices=["auto", "fp32", "fp16", "bf16"])
    p.add_argument("--lr", type=float, default=None, help="learning rate (default: the recipe's)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--repeat-target", type=int, default=100, help="repeat small sets to about this many items")
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many steps (quick checks)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads for PyTorch")


def register(subparsers) -> None:
    """Add train-sovits and train-gpt to the main parser."""
    p = subparsers.add_parser("train-sovits", help="fine-tune the SoVITS model on a voice's prepared dataset")
    _common(p, 8, 4)
    p.add_argument("--text-lr-ratio", type=float, default=0.4, help="lr factor of the text parts (0.2-0.6)")
    p.set_defaults(func=cmd_train_sovits)
    p = subparsers.add_parser("train-gpt", help="fine-tune the GPT on a voice's prepared dataset")
    _common(p, 15, 5)
    p.add_argument("--accumulate", type=int, default=4, help="batches per optimizer step (upstream: 4)")
    p.add_argument("--optimizer", default="scaled_adam", choices=["scaled_adam", "adamw"],
                   help="scaled_adam (upstream's: lr 0.01 for the first update, then 0.002) or adamw (lr 1e-4)")
    p.set_defaults(func=cmd_train_gpt)
