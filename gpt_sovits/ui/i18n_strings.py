"""The studio's widget texts, English and Chinese: labels, buttons, choices, intros, table headers.

``LABELS``: key -> (English, Chinese). Keys of choices and headers are named by their widget; a header key's
texts are the column names joined by "|". Runtime statuses and messages are in
:mod:`gpt_sovits.ui.i18n_messages`. Terms used throughout the Chinese: 声音 (voice), 录音 (recording),
片段 (clip), 参考音频 (reference clip), 文本标注 (transcripts), 合成 (synthesize), 微调 (fine-tune),
有声书 (audiobook), 章节 (chapter), 句 (line of a book), 版本 (take), 渲染 (render), 导出 (export),
检查点 (checkpoint), 种子 (seed).
"""

from __future__ import annotations

from gpt_sovits.audio.slicer import LONGEST_CLIP_S

LABELS: dict[str, tuple[str, str]] = {
    "title": ("# GPT-SoVITS Studio", "# GPT-SoVITS 工作室"),
    "current_voice": ("Voice", "声音"),
    "refresh": ("Refresh", "刷新"),
    "tab_voice": ("Voice data", "声音数据"),
    "tab_clean": ("Clean & slice", "降噪与切分"),
    "tab_transcripts": ("Transcripts", "文本标注"),
    "tab_finetune": ("Fine-tune", "微调训练"),
    "tab_synth": ("Synthesize", "合成"),
    "tab_audiobook": ("Audiobook", "有声书"),
    "tab_models": ("Models", "模型"),
    "tab_settings": ("Settings", "设置"),
    # audiobook export panel
    "export_heading": ("### Export", "### 导出"),
    "export_formats": ("Formats", "格式"),
    "export_target": ("Loudness target", "响度标准"),
    "export_target_acx": ("ACX (RMS -23 to -18 dB, peak -3 dB, floor -60 dB)", "ACX（RMS -23 至 -18 dB，峰值 -3 dB，底噪 -60 dB）"),
    "export_target_podcast": ("Podcast (-16 LUFS, peak -1 dB)", "播客（-16 LUFS，峰值 -1 dB）"),
    "export_target_none": ("None (levels as rendered)", "不调整（保持渲染电平）"),
    "export_long": ("Chapters over 120 minutes (ACX)", "超过 120 分钟的章节（ACX）"),
    "export_long_split": ("Split them", "拆分"),
    "export_long_warn": ("Keep them and warn", "保留并警告"),
    "export_subtitles": ("Write SRT/VTT subtitles", "生成 SRT/VTT 字幕"),
    "export_run": ("Export the book", "导出有声书"),
    "export_files": ("Exported files", "导出的文件"),
    # voice data
    "new_voice": ("New voice name", "新声音名称"),
    "create_voice": ("Create voice", "创建声音"),
    "rename_to": ("Rename the chosen voice to", "重命名为"),
    "rename": ("Rename", "重命名"),
    "confirm_delete": ("Yes, delete this voice and all its files", "确认删除该声音及其全部文件"),
    "delete_voice": ("Delete voice", "删除声音"),
    "consent": ("This is my voice, or I have the speaker's permission to clone it.",
                "这是我本人的声音，或我已获得说话人的克隆许可。"),
    "upload": ("Recordings to add (WAV, FLAC, MP3, OGG…)", "要添加的录音（WAV、FLAC、MP3、OGG…）"),
    "microphone": ("…or record with the microphone", "……或用麦克风录音"),
    "preview": ("Preview of the first recording", "第一段录音预览"),
    "activity_log": ("What was done with this voice", "该声音的操作记录"),
    "delete_recordings_title": ("Remove recordings", "删除录音"),
    "recordings_to_delete": ("Recordings to remove (their clips go too)", "要删除的录音（其片段一并删除）"),
    "confirm_delete_recordings": ("Yes, delete these recordings and their clips", "确认删除这些录音及其片段"),
    "delete_recordings": ("Remove the chosen recordings", "删除所选录音"),
    # clean & slice
    "denoise": ("Noise reduction strength (0 = off)", "降噪强度（0 = 关闭）"),
    "clip_language": ("Language spoken in the clips", "片段中的语言"),
    "slicer_settings": ("Slicer settings", "切分设置"),
    "preview_clean": ("Preview cleaning", "预览降噪"),
    "clean_slice": ("Clean & slice into clips", "降噪并切分"),
    "before": ("Before", "处理前"),
    "after": ("After", "处理后"),
    "clips": ("Clips", "片段"),
    "clip_choice": ("Clip", "片段"),
    "delete_clip": ("Delete the chosen clips", "删除所选片段"),
    "delete_clips_title": ("Delete clips", "删除片段"),
    "clips_to_delete": ("Clips to delete", "要删除的片段"),
    "confirm_delete_clips": ("Yes, delete these clips and their text", "确认删除这些片段及其文本"),
    # transcripts
    "save_transcripts": ("Save transcripts", "保存文本"),
    "asr": ("Transcribe empty rows automatically", "自动识别空白行"),
    "clip_player": ("Selected clip", "所选片段"),
    # fine-tune
    "model_version": ("Model version", "模型版本"),
    "prepare": ("1. Prepare training data", "1. 准备训练数据"),
    "sovits_epochs": ("SoVITS epochs", "SoVITS 轮数"),
    "gpt_epochs": ("GPT epochs", "GPT 轮数"),
    "batch_size": ("Batch size (0 = automatic)", "批大小（0 = 自动）"),
    "max_steps": ("Stop after this many steps (0 = whole epochs)", "训练步数上限（0 = 完整轮数）"),
    "train_sovits": ("2. Train SoVITS", "2. 训练 SoVITS"),
    "train_gpt": ("3. Train GPT", "3. 训练 GPT"),
    "cancel": ("Cancel training", "取消训练"),
    "resume_choice": ("When a run was stopped before it finished", "上次训练未完成时"),
    "resume_continue": ("Continue from its last checkpoint", "从最后的检查点继续"),
    "resume_over": ("Start over from the pretrained model", "从预训练模型重新开始"),
    "loss": ("Loss", "损失"),
    "produced_models": ("Models trained for this voice", "该声音训练出的模型"),
    # synthesize
    "gpt_model": ("GPT model", "GPT 模型"),
    "sovits_model": ("SoVITS model", "SoVITS 模型"),
    "reference": ("Reference clip", "参考音频"),
    "reference_upload": ("…or upload a reference clip (3–10 s)", "……或上传参考音频（3–10 秒）"),
    "reference_text": ("What the reference clip says (empty: no prompt text)", "参考音频的文本（留空：无提示文本）"),
    "reference_language": ("Reference language", "参考音频语言"),
    "text": ("Text to speak", "要合成的文本"),
    "language": ("Text language", "文本语言"),
    "markup_help": ("Markup help", "标记说明"),
    "advanced": ("Advanced settings", "高级设置"),
    "temperature": ("Temperature", "温度"),
    "top_k": ("Top-k", "Top-k"),
    "top_p": ("Top-p", "Top-p"),
    "repetition_penalty": ("Repetition penalty", "重复惩罚"),
    "speed": ("Speed", "语速"),
    "seed": ("Seed (-1 = random)", "随机种子（-1 = 随机）"),
    "cut_method": ("How to split the text", "文本切分方式"),
    "emphasis_strength": ("Emphasis strength", "强调强度"),
    "synthesize": ("Synthesize", "合成"),
    "show_phonemes": ("Show phonemes", "显示音素"),
    "stop": ("Stop", "停止"),
    "output": ("Result", "结果"),
    "download": ("Download WAV", "下载 WAV"),
    "pieces": ("Sentences", "分句"),
    "piece_choice": ("Sentence to redo", "要重做的句子"),
    "regenerate": ("Regenerate with a new seed", "换种子重新生成"),
    # settings
    "ui_language": ("Interface language", "界面语言"),
    "precision": ("Synthesis precision (applies to the next synthesis)", "合成精度（下次合成时生效）"),
    "precision_exact": ("Exact: float32, the same numbers as upstream (default)",
                        "精确：全部 float32，与上游数值一致（默认）"),
    "precision_fast": ("Fast: the same GPT and words as Exact, with a 16-bit vocoder (bfloat16 on CPUs with "
                       "AVX512-BF16 or AMX, float16 on the GPU): slightly different samples, the vocoder about 1.7x "
                       "faster; on other CPUs the same as Exact",
                       "快速：GPT 与精确模式相同（说出的 token 完全一致），声码器用 16 位浮点（支持 AVX512-BF16 或 AMX 的 CPU 上"
                       "用 bfloat16，GPU 上用 float16）：采样值略有不同，声码器约快 1.7 倍；其他 CPU 上与精确模式相同"),
    "pretrained_dir": ("Pretrained models folder", "预训练模型文件夹"),
    "workspace_dir": ("Workspace folder (voices and outputs)", "工作区文件夹（声音与输出）"),
    "save_settings": ("Save settings", "保存设置"),
    "take_checks": ("Take checks and re-rolls", "逐句检查与重试"),
    "qc_enabled": ("Check every sentence (duration, silences, clipping, repeats, runaways)",
                   "检查每一句（时长、静音、削波、重复、失控）"),
    "qc_rerolls": ("Re-rolls of a failing sentence (new seed each)", "未通过的句子重新生成次数（每次换种子）"),
    "qc_asr": ("Speech-recognition round trip (needs faster-whisper or FunASR)", "语音识别回读（需 faster-whisper 或 FunASR）"),
    "qc_max_error_rate": ("Largest character/word error rate", "最大字/词错误率"),
    "qc_speaker": ("Speaker similarity to the reference (v2Pro speaker encoder)", "与参考音色的相似度（v2Pro 说话人编码器）"),
    "qc_min_speaker_similarity": ("Smallest speaker similarity", "最小音色相似度"),
    # introductions, accordions and table headers
    "intro_voice": ("A *voice* holds one speaker's recordings, clips, transcripts, models and results. About one "
                    "minute of clear speech is enough.",
                    "一个*声音*保存同一位说话人的录音、片段、文本、模型和合成结果。约一分钟清晰的语音即可。"),
    "voice_next": ("Next: open **Clean & slice** to turn these recordings into clips.",
                   "下一步：打开 **降噪与切分**，把这些录音切成片段。"),
    "rename_delete": ("Rename or delete the chosen voice", "重命名或删除所选声音"),
    "intro_clean": ("Cleans the recordings added on the **Voice data** tab (noise reduction, even loudness) and cuts "
                    "them at pauses into clips of about 1–12 s, ready for transcripts. The originals are kept in "
                    "the voice's `recordings/` folder; a recording already in the voice is sliced again, never "
                    "imported twice.",
                    "对 **声音数据** 页添加的录音降噪、统一响度，并在停顿处切成约 1–12 秒的片段，供标注文本。"
                    "原始录音保存在该声音的 `recordings/` 文件夹；已导入的录音只会重新切分，不会重复导入。"),
    "silence_below": ("Silence below (dBFS; raised above the measured noise floor when needed)",
                      "静音阈值（dBFS；必要时自动高于实测底噪）"),
    "shortest_pause": ("Shortest pause to cut at (ms)", "切分所需的最短停顿（毫秒）"),
    "silence_kept": ("Silence kept around a cut (ms)", "切点两侧保留的静音（毫秒）"),
    "shortest_clip": ("Shortest clip (s)", "最短片段（秒）"),
    "longest_clip": (f"Longest clip (s; training accepts up to {LONGEST_CLIP_S:g})",
                     f"最长片段（秒；训练最多接受 {LONGEST_CLIP_S:g} 秒）"),
    "intro_transcripts": ("Type exactly what is said in each clip (click a row to hear it). Language: `zh` Chinese, "
                          "`en` English, `ja`, `ko`, `yue`. Press **Save transcripts** when done. The *Training* "
                          "column says which clips fine-tuning will leave out, and why.",
                          "逐字填写每个片段说的内容（点击一行可试听）。语言：`zh` 中文、`en` 英文、`ja`、`ko`、`yue`。"
                          "完成后点 **保存文本**。*训练* 一列说明微调会跳过哪些片段及原因。"),
    "asr_missing": ("Automatic transcription needs a speech-recognition package (`faster-whisper` or `funasr`) and "
                    "its model in `pretrained/asr/`; none is installed, so type the text yourself.",
                    "自动识别需要语音识别软件包（`faster-whisper` 或 `funasr`）及其位于 `pretrained/asr/` 的模型；"
                    "目前未安装，请手动输入文本。"),
    "intro_finetune": ("**Optional.** Zero-shot synthesis (the Synthesize tab) already imitates a voice from one "
                       "short clip with no training. Fine-tuning on your transcribed clips makes the likeness "
                       "closer; it takes minutes on a GPU and much longer on a CPU. Steps: prepare the data, train "
                       "SoVITS, then train GPT; the new models appear on the Synthesize tab. A cancelled or "
                       "crashed run can be continued from its last checkpoint.",
                       "**可选。** 零样本合成（合成页）无需训练，用一段短音频即可模仿声音。用已标注的片段微调可让音色更像；"
                       "GPU 上需数分钟，CPU 上要久得多。步骤：准备数据、训练 SoVITS、再训练 GPT；新模型会出现在合成页。"
                       "取消或中断的训练可从最后的检查点继续。"),
    "intro_models": ("Official pretrained weights (HuggingFace `lj1995/GPT-SoVITS`). Nothing is downloaded until "
                     "you press *Download*; files go to the pretrained folder shown on the Settings tab. Versions "
                     "v3 and v4 are not supported yet.",
                     "官方预训练权重（HuggingFace `lj1995/GPT-SoVITS`）。点 *下载* 之前不会下载任何文件；文件保存在"
                     "设置页所示的预训练模型文件夹。暂不支持 v3 和 v4。"),
    "download_source": ("Download source (or a mirror URL)", "下载源（或镜像地址）"),
    "download_missing": ("Download missing files", "下载缺失的文件"),
    "h_log": ("Time|Action|Details", "时间|操作|详情"),
    "h_clips": ("Clip|Seconds|Text", "片段|秒|文本"),
    "h_transcripts": ("Clip|Language|Text|Training", "片段|语言|文本|训练"),
    "h_models": ("Kind|File|MB|Made", "类型|文件|MB|生成时间"),
    "h_status": ("File|Purpose|Status|Official?|Details", "文件|用途|状态|是否官方|详情"),
    "h_pieces": ("#|Text|Seconds|Compute s|Seed|Checks", "#|文本|秒|计算秒数|种子|检查"),
    "h_phonemes": ("Language|Text|Phones", "语言|文本|音素"),
    # languages of clips, texts and books
    "lang_zh": ("Chinese", "中文"),
    "lang_en": ("English", "英语"),
    "lang_ja": ("Japanese", "日语"),
    "lang_ko": ("Korean", "韩语"),
    "lang_yue": ("Cantonese", "粤语"),
    "textlang_zh": ("Chinese (and English words)", "中文（可夹带英文单词）"),
    "textlang_en": ("English", "英语"),
    "textlang_auto": ("Detect", "自动检测"),
    "textlang_all_zh": ("Chinese only", "仅中文"),
    # more of the Voice data and Synthesize tabs
    "new_voice_placeholder": ("e.g. Anna", "例如：小美"),
    "consent_info": ("Required before fine-tuning on this voice or synthesizing with it.",
                     "用该声音微调或合成之前必须勾选。"),
    "text_placeholder": ("你好，[emph]欢迎[/emph]使用。 Hello there.", "你好，[emph]欢迎[/emph]使用。"),
    "auto_reference": ("Pick the best clip automatically", "自动挑选最合适的片段"),
    "cut_auto": ("Automatic (by length)", "自动（按长度）"),
    "cut_cut0": ("No split (cut0)", "不切（cut0）"),
    "cut_cut1": ("Every four sentences (cut1)", "凑四句一切（cut1）"),
    "cut_cut2": ("About 50 characters each (cut2)", "凑 50 字一切（cut2）"),
    "cut_cut3": ("At Chinese full stops 。 (cut3)", "按中文句号“。”切（cut3）"),
    "cut_cut4": ("At English full stops . (cut4)", "按英文句号“.”切（cut4）"),
    "cut_cut5": ("After every punctuation mark (cut5)", "按标点符号切（cut5）"),
    "markup_help_text": (
        "- `[emph]word[/emph]` or `**word**`: say it with emphasis (louder, slower, higher).\n"
        "- `[pause:0.8]`: a pause of 0.8 seconds (up to 10); `[break]`: a sentence break.\n"
        "- `{行|hang2}`: read Chinese characters with this pinyin (tone digit 1–5, one syllable per character).\n"
        "- `{record|R EH1 K ER0 D}`: read an English word with these ARPAbet phones.\n"
        "- Write `\\[`, `\\{` or `\\*` for the characters themselves.\n",
        "- `[emph]词语[/emph]` 或 `**词语**`：强调朗读（更响、更慢、更高）。\n"
        "- `[pause:0.8]`：停顿 0.8 秒（最多 10 秒）；`[break]`：断句。\n"
        "- `{行|hang2}`：按指定拼音读汉字（声调用数字 1–5，每个字一个音节）。\n"
        "- `{record|R EH1 K ER0 D}`：按指定的 ARPAbet 音素读英文单词。\n"
        "- 要输入这些字符本身，请写 `\\[`、`\\{` 或 `\\*`。\n"),
    "h_checks": ("Check|Result|Measured|Accepted|Note", "检查项|结果|测量值|允许范围|说明"),
    # Models tab
    "mirror_hf": ("HuggingFace (huggingface.co)", "HuggingFace（huggingface.co）"),
    "mirror_hf_mirror": ("HF-Mirror (hf-mirror.com)", "HF-Mirror 镜像（hf-mirror.com）"),
    # Settings tab
    "settings_saved_in": ("Settings are saved in `{path}`.", "设置保存在 `{path}`。"),
    "settings_in_memory": ("Settings are saved in memory only (no settings file).", "设置仅保存在内存中（没有设置文件）。"),
    # Audiobook tab
    "book": ("Book", "有声书"),
    "book_new_name": ("New book name", "新书名称"),
    "book_import_title": ("Import a book", "导入书籍"),
    "book_file": ("Book file (.txt, .md, .epub)", "书籍文件（.txt、.md、.epub）"),
    "book_paste": ("…or paste the text", "……或粘贴文本"),
    "book_import": ("Import", "导入"),
    "book_title": ("Title", "书名"),
    "book_author": ("Author", "作者"),
    "book_narrator": ("Narrator (credit)", "朗读者（署名）"),
    "book_language": ("Language", "语言"),
    "book_voice": ("Narrator voice", "朗读声音"),
    "book_cover": ("Cover (.jpg, .png)", "封面（.jpg、.png）"),
    "book_save": ("Save book details", "保存书籍信息"),
    "chapters": ("Chapters", "章节"),
    "chapter": ("Chapter", "章节"),
    "chapter_action": ("Change the chapter", "修改章节"),
    "action_rename": ("rename", "重命名"),
    "action_merge": ("merge with next", "与下一章合并"),
    "action_split": ("split at line", "从某句处拆分"),
    "action_exclude": ("exclude", "排除"),
    "action_include": ("include", "重新纳入"),
    "action_move": ("move to position", "移到指定位置"),
    "chapter_action_arg": ("New title / line / position", "新标题 / 句子序号 / 位置"),
    "quote_voice": ("Voice for quoted speech", "引号内对白的声音"),
    "apply": ("Apply", "应用"),
    "render_chapter": ("Render this chapter", "渲染本章"),
    "render_book": ("Render the whole book", "渲染整本书"),
    "pause": ("Pause", "暂停"),
    "resume": ("Resume", "继续"),
    "book_cancel": ("Cancel", "取消"),
    "flagged_only": ("Only flagged lines", "只看已标记的句子"),
    "lines": ("Lines", "句子"),
    "line_number": ("Line #", "句子序号"),
    "line_text": ("Line text", "句子文本"),
    "takes": ("Takes", "版本"),
    "line_voice": ("Voice for this line", "本句的声音"),
    "play": ("Play", "播放"),
    "line_rerender": ("Save text and re-render", "保存文本并重新渲染"),
    "line_reroll": ("Re-roll (new seed)", "重新生成（换种子）"),
    "line_keep": ("Keep this take", "保留这个版本"),
    "line_approve": ("Approve", "通过"),
    "line_take": ("Line take", "本句音频"),
    "h_book_chapters": ("#|Chapter|Lines|With a take|Flagged|Excluded", "#|章节|句数|已有音频|已标记|已排除"),
    "h_book_lines": ("#|Status|Seconds|Text|Why flagged", "#|状态|秒|文本|标记原因"),
    "h_report": ("file|part|length|rate|bit rate|RMS|loudness|true peak|noise floor|result",
                 "文件|部分|时长|采样率|码率|RMS|响度|真峰值|底噪|结果"),
}
