"""Public entry points: ``train_sovits`` and ``train_gpt`` for a workspace voice, or for any prepared folder."""

from __future__ import annotations

import dataclasses
import logging
import shutil
from pathlib import Path

from gpt_sovits.devices import free_vram_bytes
from gpt_sovits.pretrained import ROLE_DISCRIMINATOR, ROLE_SOVITS, asset_file
from gpt_sovits.training import preflight
from gpt_sovits.training.checkpoints import list_states
from gpt_sovits.training.common import RunFolders, log_to_voice, pick_device, voice_folders
from gpt_sovits.training.datasets import GPTDataset, SoVITSDataset, clip_seconds
from gpt_sovits.training.layout import DatasetLayout
from gpt_sovits.training.loop import LoopSettings, TrainingResult, run_loop
from gpt_sovits.training.options import (
    GPT_EPOCHS,
    GPT_SAVE_EVERY,
    SOVITS_EPOCHS,
    SOVITS_SAVE_EVERY,
    SOVITS_SEED,
    TrainingError,
    TrainingOptions,
)
from gpt_sovits.training.progress import CancelToken, ProgressWriter

logger = logging.getLogger(__name__)


def _dataset_version(layout: DatasetLayout, version: str | None) -> str:
    prepared = layout.info().get("version")
    if version is None:
        return prepared or "v2"
    if prepared and prepared != version and "v1" in (prepared, version):
        raise TrainingError(f"The dataset was prepared for {prepared} (another phone table); prepare it again "
                            f"for {version} or train {prepared}.")
    return version


def _prepare(kind: str, dataset, options: TrainingOptions, folders: RunFolders, progress: ProgressWriter,
             n_parameters: int):
    """Pre-flight checks; returns (device, precision, batch size)."""
    names = [item.name for item in dataset.items]
    summary = preflight.DataSummary(len(names), dataset.skipped, sum(clip_seconds(folders.dataset, names).values()))
    for warning in preflight.check_data(kind, summary):
        logger.warning(warning)
        progress.emit("warning", message=warning)
    device, precision = pick_device(options)
    free = free_vram_bytes(device)
    batch = options.batch_size or preflight.auto_batch_size(kind, free, len(names))
    preflight.check_memory(kind, free, batch)
    preflight.check_disk(folders.state, preflight.checkpoint_bytes(n_parameters, options.keep_checkpoints))
    return device, precision, batch


def _fresh_start(folders: RunFolders, options: TrainingOptions) -> None:
    """On a new (not resumed) run, start a new progress file and move the checkpoints of an earlier run
    to training/previous/ so a later resume cannot pick them up."""
    if options.resume:
        return
    folders.progress.unlink(missing_ok=True)
    old = list_states(folders.state)
    if old:
        previous = folders.state / "previous"
        if previous.is_dir():
            shutil.rmtree(previous)
        previous.mkdir(parents=True)
        for path in old:
            path.rename(previous / path.name)
        logger.info("moved %d checkpoint(s) of an earlier run to %s", len(old), previous)


def _settings(options: TrainingOptions, epochs: int, save_every: int, folders: RunFolders, device: str,
              **start_fields) -> LoopSettings:
    seed = options.seed if options.seed is not None else SOVITS_SEED
    return LoopSettings(epochs, save_every, options.keep_checkpoints, folders.state, options.resume, device,
                        options.max_steps, options.export_every_save, seed, start_fields)


def train_sovits_folders(folders: RunFolders, pretrained_dir: Path, options: TrainingOptions = TrainingOptions(),
                         version: str | None = None, cancel: CancelToken | None = None) -> TrainingResult:
    """Fine-tune SoVITS on the prepared dataset of ``folders`` (see :func:`train_sovits`)."""
    from gpt_sovits.training.sovits import SOVITS_VERSIONS_TRAINABLE, SoVITSTrainer, load_pretrained_pair

    version = _dataset_version(folders.dataset, version)
    if version not in SOVITS_VERSIONS_TRAINABLE:
        raise TrainingError(f"SoVITS training supports {', '.join(SOVITS_VERSIONS_TRAINABLE)}, not {version}.")
    progress = ProgressWriter(folders.progress)
    cancel = cancel or CancelToken(folders.cancel)
    _fresh_start(folders, options)
    dataset = SoVITSDataset(folders.dataset, version, options.repeat_target)
    g_path = asset_file(pretrained_dir, version, ROLE_SOVITS)
    d_path = asset_file(pretrained_dir, version, ROLE_DISCRIMINATOR)
    generator, discriminator, config = load_pretrained_pair(g_path, d_path, version)
    n_params = sum(p.numel() for p in (*generator.parameters(), *discriminator.parameters()))
    device, precision, batch = _prepare("sovits", dataset, options, folders, progress, n_params)
    epochs = options.epochs or SOVITS_EPOCHS
    config.setdefault("train", {}).update(batch_size=batch, epochs=epochs, text_low_lr_rate=options.text_lr_ratio,
                                          fp16_run=precision.mode != "fp32", pretrained_s2G=str(g_path),
                                          pretrained_s2D=str(d_path))
    config["name"] = folders.name
    trainer = SoVITSTrainer(dataset, generator, discriminator, config, options, device, precision, batch,
                            folders.models, folders.name)
    settings = _settings(options, epochs, options.save_every or SOVITS_SAVE_EVERY, folders, device,
                         voice=folders.name, version=version, batch_size=batch, precision=precision.mode,
                         items=len(dataset.items), repeats=dataset.repeats)
    return run_loop(trainer, settings, progress, cancel)


def train_gpt_folders(folders: RunFolders, pretrained_dir: Path, options: TrainingOptions = TrainingOptions(),
                      version: str | None = None, cancel: CancelToken | None = None) -> TrainingResult:
    """Fine-tune the GPT on the prepared dataset of ``folders`` (see :func:`train_gpt`)."""
    from gpt_sovits.training.gpt import GPTTrainer, load_pretrained_gpt

    version = _dataset_version(folders.dataset, version)
    progress = ProgressWriter(folders.progress)
    cancel = cancel or CancelToken(folders.cancel)
    _fresh_start(folders, options)
    dataset = GPTDataset(folders.dataset, version, options.repeat_target)
    model = load_pretrained_gpt(asset_file(pretrained_dir, version, "GPT"))
    n_params = sum(p.numel() for p in model.parameters())
    device, precision, batch = _prepare("gpt", dataset, options, folders, progress, n_params)
    epochs = options.epochs or GPT_EPOCHS
    trainer = GPTTrainer(dataset, model, dataclasses.replace(options, epochs=epochs), device, precision, batch,
                         folders.models, folders.name)
    settings = _settings(options, epochs, options.save_every or GPT_SAVE_EVERY, folders, device,
                         voice=folders.name, version=version, batch_size=batch, precision=precision.mode,
                         items=len(dataset.items), repeats=dataset.repeats)
    return run_loop(trainer, settings, progress, cancel)


def train_sovits(voice: str, workspace: Path, pretrained_dir: Path, options: TrainingOptions = TrainingOptions(),
                 version: str | None = None, cancel: CancelToken | None = None) -> TrainingResult:
    """Fine-tune SoVITS (v2, v2Pro, v2ProPlus) on ``workspace/<voice>/features/``.

    Starts from the pretrained s2G/s2D of ``version`` (default: the version the dataset was prepared for),
    or from the newest checkpoint when ``options.resume``. Writes checkpoints and progress.jsonl under
    ``models/sovits/training/`` and the final ``<voice>_e<E>_s<S>.safetensors`` and ``.pth`` (upstream
    format) under ``models/sovits/``. Needs the voice owner's consent.
    """
    folders = voice_folders(Path(workspace), voice, "sovits")
    result = train_sovits_folders(folders, Path(pretrained_dir), options, version, cancel)
    log_to_voice(Path(workspace), voice, "trained-sovits", files=[str(f) for f in result.files],
                 epochs=result.epochs_done, steps=result.steps, cancelled=result.cancelled)
    return result


def train_gpt(voice: str, workspace: Path, pretrained_dir: Path, options: TrainingOptions = TrainingOptions(),
              version: str | None = None, cancel: CancelToken | None = None) -> TrainingResult:
    """Fine-tune the GPT on ``workspace/<voice>/features/``; files as :func:`train_sovits` but under
    ``models/gpt/`` named ``<voice>-e<E>.safetensors`` / ``.ckpt``."""
    folders = voice_folders(Path(workspace), voice, "gpt")
    result = train_gpt_folders(folders, Path(pretrained_dir), options, version, cancel)
    log_to_voice(Path(workspace), voice, "trained-gpt", files=[str(f) for f in result.files],
                 epochs=result.epochs_done, steps=result.steps, cancelled=result.cancelled)
    return result
