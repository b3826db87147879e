"""Feature extractors fed exactly as upstream feeds them: HuBERT, BERT, speaker embedding.

Import the submodules directly (``gpt_sovits.features.hubert``, ``gpt_sovits.features.bert``);
nothing is loaded at import.
"""
