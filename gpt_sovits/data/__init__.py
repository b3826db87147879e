"""A voice's training data: recordings -> clips -> transcripts -> features.

Import the submodules directly (nothing is loaded at import):

- ``audio_import.prepare_audio(voice, files, denoise_strength=None, slice=True)``: copy, clean, slice.
- ``asr.transcribe_voice(voice, backend=None, language=None)``: fill empty transcripts (optional extras).
- ``prepare.prepare_dataset(voice, pretrained_dir, version="v2", device="auto", on_event=None)``: features.
- ``feature_files``: the feature folder's layout and readers; ``events.PrepareEvent``: progress.
"""
