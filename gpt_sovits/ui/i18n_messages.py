"""What the studio says while it works, English and Chinese: statuses built by the UI, and the English messages
of the deeper layers (errors, warnings, reasons) said again in Chinese.

``STATUSES``: key -> (English, Chinese), formatted with named values (``{n}``, ``{name}``...).

``PATTERNS``: (English regular expression, Chinese template) for our own English sentences raised or returned
by data/, audio/, text/, inference/, books/, qc/, pretrained and the UI services. The library keeps speaking
English (the CLI, the HTTP API and the log files use it); the page translates at the boundary. A named group
is put into the template as it is, except ``*_msg`` (translated again), ``*_list`` ("; "-separated, each
translated) and ``*_word`` (looked up in ``WORDS``). A message that matches no pattern stays English; as an
error it gets a Chinese lead naming its kind (``ERROR_LEADS``), so the sentence still says what went wrong.
"""

from __future__ import annotations

import re

STATUSES: dict[str, tuple[str, str]] = {
    # shared
    "cannot_do_that": ("Cannot do that", "无法执行"),
    "error_title": ("Error", "错误"),
    "unexpected_title": ("Unexpected problem", "意外问题"),
    "unexpected": ("Something unexpected went wrong ({kind}: {message}). Nothing was lost; the details are in the "
                   "terminal where the studio runs. You can keep working.",
                   "出现了意外错误（{kind}：{message}）。没有丢失任何数据，详细信息在运行工作室的终端窗口里。"
                   "可以继续使用。"),
    "list_sep": ("; ", "；"),
    "yes": ("yes", "是"),
    "stage_text": ("text", "文本"),
    "stage_audio": ("audio", "音频"),
    "stage_semantic": ("semantic", "语义"),
    "stage_speaker": ("speaker", "说话人"),
    "stage_import": ("import", "导入"),
    "stage_transcribe": ("transcribe", "识别"),
    "stage_skip": ("skip", "跳过"),
    "stage_done": ("done", "完成"),
    "plot_before": ("before", "处理前"),
    "plot_after": ("after ({n} clips start at the red lines)", "处理后（{n} 个片段从红线处开始）"),
    "plot_first_recording": ("first usable recording", "第一段可用的录音"),
    "plot_seconds": ("seconds", "秒"),
    "plot_step": ("step", "步数"),
    "plot_loss": ("loss", "损失"),
    # Voice data
    "no_voice": ("No voice chosen yet: type a name above and press *Create voice*.",
                 "尚未选择声音：在上方输入名称并点 *创建声音*。"),
    "recordings_in": ("Recordings already in {name}", "{name} 中已有的录音"),
    "no_recordings": ("No recordings in {name} yet.", "{name} 中还没有录音。"),
    "consent_given": ("✅ Consent given.", "✅ 已确认授权。"),
    "consent_missing": ("⚠️ Consent not given yet: tick “{consent}”", "⚠️ 尚未确认授权：请勾选“{consent}”"),
    "vd_created": ("Voice {name!r} created. Next: give consent and add recordings.",
                   "已创建声音“{name}”。下一步：确认授权并添加录音。"),
    "vd_confirm_delete": ("Tick the box to confirm that the voice and all its files should be deleted.",
                          "请先勾选确认框，确认删除该声音及其全部文件。"),
    "vd_deleted": ("Voice {name!r} deleted.", "已删除声音“{name}”。"),
    "vd_consent_needs_voice": ("Create or choose a voice first; consent is stored with the voice.",
                               "请先创建或选择一个声音；授权随声音一起保存。"),
    "vd_choose_recordings": ("Choose the recordings to remove in the list first.", "请先在列表中选择要删除的录音。"),
    "vd_confirm_recordings": ("Tick the box to confirm that {n} recording(s) and their clips should be deleted.",
                              "请先勾选确认框，确认删除这 {n} 段录音及其片段。"),
    "vd_removed": ("Removed {recordings} recording(s) and {clips} clip(s).", "已删除 {recordings} 段录音和 {clips} 个片段。"),
    "vd_checking": ("Checking {name}", "正在检查 {name}"),
    "vd_quality": ("**{name}**: {duration} s, {speech} s of speech, signal-to-noise {snr} dB, speech level {level} "
                   "dBFS, {rate} Hz, {channels}.",
                   "**{name}**：时长 {duration} 秒，其中语音 {speech} 秒，信噪比 {snr} dB，语音电平 {level} dBFS，"
                   "{rate} Hz，{channels}。"),
    "vd_mono": ("mono", "单声道"),
    "vd_channels": ("{n} channels", "{n} 声道"),
    "vd_no_problems": ("- ✅ No problems found.", "- ✅ 未发现问题。"),
    # the activity log's actions (the English is the action as logged)
    "log_created": ("created", "创建"),
    "log_renamed": ("renamed", "重命名"),
    "log_consent": ("consent", "授权"),
    "log_import_audio": ("import-audio", "导入录音"),
    "log_reslice_audio": ("reslice-audio", "重新切分录音"),
    "log_delete_clips": ("delete-clips", "删除片段"),
    "log_delete_recordings": ("delete-recordings", "删除录音"),
    "log_edit_transcripts": ("edit-transcripts", "编辑文本"),
    "log_transcribe": ("transcribe", "自动识别"),
    "log_prepare_dataset_start": ("prepare-dataset-start", "开始准备训练数据"),
    "log_prepare_dataset": ("prepare-dataset", "准备训练数据"),
    "log_synthesize": ("synthesize", "合成"),
    "log_regenerate_sentence": ("regenerate-sentence", "重做句子"),
    # Clean & slice
    "cs_preview_needs_recording": ("Add a recording on the Voice data tab first; the preview uses the first one.",
                                   "请先在“声音数据”页添加录音；预览使用第一段录音。"),
    "cs_cleaning_preview": ("Cleaning the first {seconds} s of {name}", "正在处理 {name} 的前 {seconds} 秒"),
    "cs_dropped": (" ({n} piece(s) too short were left out)", "（{n} 段过短，已略去）"),
    "cs_file_ok": ("- ✅ **{name}**: {n} clips{dropped}", "- ✅ **{name}**：{n} 个片段{dropped}"),
    "cs_resliced": (" ({n} recording(s) already in the voice were sliced again, not imported twice)",
                    "（{n} 段已在该声音中的录音被重新切分，没有重复导入）"),
    "cs_summary": ("**{n} new clips**{again}. Next: check their text on the **Transcripts** tab.",
                   "**新增 {n} 个片段**{again}。下一步：在 **文本标注** 页检查它们的文本。"),
    "cs_nothing_usable": ("No recording could be used; see the report below.", "没有可用的录音，请查看下方的报告。"),
    "cs_choose_clips": ("Choose the clips to delete in the list first.", "请先在列表中选择要删除的片段。"),
    "cs_confirm_clips": ("Tick the box to confirm that {n} clip(s) and their text should be deleted.",
                         "请先勾选确认框，确认删除这 {n} 个片段及其文本。"),
    "cs_deleted": ("Deleted {n} clip(s).", "已删除 {n} 个片段。"),
    # Transcripts
    "tx_left_out": ("⚠️ left out: {why}", "⚠️ 不参与训练：{why}"),
    "tx_used": ("✅ used", "✅ 参与训练"),
    "tx_no_clips": ("There are no clips to save yet: clean and slice a recording first.",
                    "还没有可保存的片段：请先对录音降噪并切分。"),
    "tx_saved": ("✅ Saved {n} rows.", "✅ 已保存 {n} 行。"),
    "tx_need_a_look": ("Saved, but {n} row(s) need a look; see the list under the table.",
                       "已保存，但有 {n} 行需要检查，请看表格下方的列表。"),
    "tx_please_check": ("{head} Please check:", "{head}请检查："),
    "tx_all_have_text": ("{head} Every row has text.", "{head}每一行都有文本。"),
    "tx_filled": ("Filled {n} rows; {kept} already had text.", "已填写 {n} 行；另有 {kept} 行原本就有文本。"),
    # Fine-tune
    "ft_from_checkpoint": ("from its checkpoint at step {step}", "从第 {step} 步的检查点"),
    "ft_from_pretrained": ("from the pretrained model", "从预训练模型"),
    "ft_stop_after": (", stopping after step {step}", "，到第 {step} 步停止"),
    "ft_starting": ("Starting {label} training {origin} ({epochs} epochs{limit}).",
                    "开始{origin}训练 {label}（{epochs} 轮{limit}）。"),
    "ft_continuing": ("Continuing {label} training {origin} ({epochs} epochs{limit}).",
                      "继续{origin}训练 {label}（{epochs} 轮{limit}）。"),
    "ft_checkpoint_loaded": ("{label} training {origin}: checkpoint loaded.", "{origin}训练 {label}：检查点已加载。"),
    "ft_start_up": ("{label} training {origin}: start-up, loading the models and the training data ({seconds} s so "
                    "far); the first step follows.",
                    "{origin}训练 {label}：正在启动，加载模型和训练数据（已用 {seconds} 秒），随后开始第一步。"),
    "ft_where": ("epoch {epoch} of {epochs}, step {step} of {total}", "第 {epoch}/{epochs} 轮，第 {step}/{total} 步"),
    "ft_start_up_took": ("; start-up took {seconds} s", "；启动用时 {seconds} 秒"),
    "ft_training_line": ("Training {label} {origin}: {where} — {eta}{start_up}",
                         "{origin}训练 {label}：{where} — {eta}{start_up}"),
    "ft_estimating": ("estimating…", "正在估算剩余时间…"),
    "ft_min_left": ("{minutes} min {seconds} s left", "剩余 {minutes} 分 {seconds} 秒"),
    "ft_s_left": ("{seconds} s left", "剩余 {seconds} 秒"),
    "ft_left_out": ("{n} clip(s) will be left out of training (fix them on the Transcripts tab):",
                    "{n} 个片段将不参与训练（可在“文本标注”页修正）："),
    "ft_stopped_run": ("⏸ {label} training stopped at step {step} ({epochs} epoch(s) done): *Train {label}* continues "
                       "from there, unless you choose to start over.",
                       "⏸ {label} 训练停在第 {step} 步（已完成 {epochs} 轮）：点 *训练 {label}* 会从那里继续，"
                       "除非选择重新开始。"),
    "ft_skipped_warning": ("Left out of training, no text yet: {clips}.", "以下片段还没有文本，不参与训练：{clips}。"),
    "ft_skipped_note": (" Left out (no text yet): {clips}.", "未参与训练（还没有文本）：{clips}。"),
    "ft_data_ready": ("✅ Training data ready: {summary}.", "✅ 训练数据已就绪：{summary}。"),
    "ft_prepare_summary": ("{items} clips ({minutes} min) ready in {folder} ({parts})",
                           "{items} 个片段（{minutes} 分钟），保存在 {folder}（{parts}）"),
    "ft_stage_counts": ("{stage}: {made} made, {reused} reused", "{stage}：新生成 {made}，复用 {reused}"),
    "ft_cancel_requested": ("Cancel requested: training stops after the current step and keeps its last checkpoint.",
                            "已请求取消：训练会在当前这一步结束后停止，并保留最后的检查点。"),
    "ft_finished": ("✅ {kind} training finished: {files}. Choose the new model on the Synthesize tab.",
                    "✅ {kind} 训练完成：{files}。可在“合成”页选择新模型。"),
    "ft_cancelled": ("⏹ {kind} training cancelled at step {step}; its checkpoint is kept: press Train {kind} again to "
                     "continue from there.",
                     "⏹ {kind} 训练已在第 {step} 步取消，检查点已保留：再次点“训练 {kind}”即可从那里继续。"),
    # Synthesize
    "sy_sentence_done": ("⏳ Sentence {n} done.", "⏳ 第 {n} 句已完成。"),
    "sy_min_left": ("; about {minutes} min left", "，约剩 {minutes} 分钟"),
    "sy_s_left": ("; about {seconds} s left", "，约剩 {seconds} 秒"),
    "sy_in_progress": ("sentence {n} of {total} in progress", "正在合成第 {n}/{total} 句"),
    "sy_saving": ("saving", "正在保存"),
    "sy_progress": ("⏳ {done} of {total} sentences done, {now}{eta}.", "⏳ 已完成 {done}/{total} 句，{now}{eta}。"),
    "sy_timings": ("{head} {duration} s of speech in {pieces} piece(s); real-time factor **{rtf}**, first audio after "
                   "**{first} s**, total {total} s, seed {seed}. Saved as `{file}`.",
                   "{head} 共 {pieces} 段、{duration} 秒语音；实时率 **{rtf}**，首段音频用时 **{first} 秒**，"
                   "总计 {total} 秒，种子 {seed}。已保存为 `{file}`。"),
    "sy_notes": ("Notes", "提示"),
    "sy_waiting": ("⏳ Waiting for {busy} to finish.", "⏳ 正在等待{busy}结束。"),
    "sy_loading": ("⏳ Loading the models and analysing the reference.", "⏳ 正在加载模型并分析参考音频。"),
    "sy_reference": ("✅ Reference: {why}.", "✅ 参考音频：{why}。"),
    "sy_stopped": ("⏹ Stopped after {n} sentence(s); nothing was saved. The previous result is kept.",
                   "⏹ 已停止（完成了 {n} 句），没有保存任何内容；上一次的结果仍保留。"),
    "sy_stopping": ("⏹ Stopping: the sentence in progress is finished, then the synthesis ends.",
                    "⏹ 正在停止：当前这一句合成完后即结束。"),
    "sy_nothing_to_stop": ("Nothing to stop.", "没有正在进行的合成。"),
    "sy_nothing_to_redo": ("Synthesize something first; then you can redo one sentence.",
                           "请先合成一段内容，然后才能重做其中的某一句。"),
    "sy_choose_sentence": ("Choose the sentence to redo.", "请选择要重做的句子。"),
    "sy_redoing": ("Redoing sentence {n}", "正在重做第 {n} 句"),
    "sy_redone": ("🔁 Sentence {n} redone with seed {seed}.", "🔁 已用种子 {seed} 重做第 {n} 句。"),
    "sy_pretrained_choice": ("pretrained {version}: {name}", "预训练 {version}：{name}"),
    "sy_uploaded_clip": ("uploaded clip {name}", "上传的音频 {name}"),
    "sy_clip": ("clip {name}", "片段 {name}"),
    "busy_prepare": ("the dataset preparation", "训练数据准备"),
    "busy_transcribe": ("the transcription", "自动识别"),
    "busy_load": ("loading the models", "模型加载"),
    "busy_synthesis": ("another synthesis", "另一个合成任务"),
    "busy_checks": ("another synthesis's checks", "另一个合成任务的逐句检查"),
    "busy_other": ("another task", "另一个任务"),
    "ph_pause": ("pause", "停顿"),
    "ph_override": ("override", "指定读音"),
    "ph_emphasis": ("emphasis", "强调"),
    "ph_break": ("break", "断句"),
    "ph_seconds": ("{seconds} s", "{seconds} 秒"),
    "ph_before_phone": ("before phone {n}", "第 {n} 个音素之前"),
    # take checks (gpt_sovits.qc) as the pages show them; names and reasons in English as qc writes them
    "chk_mark_pass": ("✅ pass", "✅ 通过"),
    "chk_mark_fail": ("⚠️ fail", "⚠️ 未通过"),
    "chk_mark_not_run": ("– not run", "– 未运行"),
    "chk_ok": ("ok", "正常"),
    "chk_label_ok": ("✅ ok", "✅ 正常"),
    "chk_takes": (" ({n} takes)", "（共生成 {n} 个版本）"),
    "chk_not_run_note": ("; not run: {what}", "；未运行：{what}"),
    "chk_between": ("{low} to {high} {unit}", "{low} 至 {high} {unit}"),
    "chk_at_most": ("at most {high} {unit}", "最多 {high} {unit}"),
    "chk_at_least": ("at least {low} {unit}", "至少 {low} {unit}"),
    "chk_name_finite": ("finite", "数值有效"),
    "chk_name_speech": ("speech", "有无语音"),
    "chk_name_runaway": ("runaway", "失控"),
    "chk_name_repetition": ("repetition", "重复"),
    "chk_name_clipping": ("clipping", "削波"),
    "chk_name_leading_silence": ("leading_silence", "开头静音"),
    "chk_name_trailing_silence": ("trailing_silence", "结尾静音"),
    "chk_name_inner_silence": ("inner_silence", "句中静音"),
    "chk_name_speaking_rate": ("speaking_rate", "语速"),
    "chk_name_tokens_per_phone": ("tokens_per_phone", "每音素 token 数"),
    "chk_name_loudness": ("loudness", "响度"),
    "chk_name_asr": ("asr", "语音识别回读"),
    "chk_name_speaker": ("speaker", "音色相似度"),
    "chk_reason_non_finite": ("the audio holds NaN or infinite samples", "音频中有 NaN 或无穷大的采样值"),
    "chk_reason_no_speech": ("the take is silent", "音频里没有声音"),
    "chk_reason_runaway": ("the model did not stop by itself; the runaway guard cut the take",
                           "模型没有自行停下，已被失控保护截断"),
    "chk_reason_repetition": ("a stretch of the take is said twice", "有一段内容念了两遍"),
    "chk_reason_clipping": ("the waveform is clipped (flattened peaks)", "波形削波（峰值被削平）"),
    "chk_reason_inner_silence": ("a long silence inside the sentence", "句子中间有很长的静音"),
    "chk_reason_leading_silence": ("a long silence before the speech", "语音开始前的静音过长"),
    "chk_reason_trailing_silence": ("a long silence after the speech", "语音结束后的静音过长"),
    "chk_reason_too_short": ("too short for its text: words were swallowed or cut", "相对文本太短：有字被吞掉或截断"),
    "chk_reason_too_long": ("too long for its text: words repeated or drawn out", "相对文本太长：有字重复或被拖长"),
    "chk_reason_few_tokens": ("too few generated tokens per phone", "每个音素生成的 token 太少"),
    "chk_reason_many_tokens": ("too many generated tokens per phone", "每个音素生成的 token 太多"),
    "chk_reason_loudness": ("much louder or quieter than the sentences around it", "比前后的句子明显更响或更轻"),
    "chk_reason_asr_mismatch": ("speech recognition hears other words than the text", "语音识别听到的内容与文本不符"),
    "chk_reason_speaker_mismatch": ("does not sound like the reference speaker", "听起来不像参考音频的说话人"),
    "unit_s": ("s", "秒"),
    "unit_percent_samples": ("% of samples", "% 采样点"),
    "unit_tokens": ("tokens", "个 token"),
    "unit_phones_per_s": ("phones/s", "音素/秒"),
    "unit_tokens_per_phone": ("tokens/phone", "token/音素"),
    "unit_error_rate": ("error rate", "错误率"),
    "unit_cosine": ("cosine", "余弦相似度"),
    # Audiobook
    "no_render": ("No render yet.", "尚未渲染。"),
    "ab_choose_chapter": ("Choose a chapter first.", "请先选择章节。"),
    "ab_choose_line": ("Choose a line from 1 to {n}.", "请选择第 1 到第 {n} 句中的一句。"),
    "ab_whole_number": ("Give a line number or a position as a whole number.", "句子序号或位置请填写整数。"),
    "ab_no_render_running": ("No render is running.", "当前没有正在进行的渲染。"),
    "ab_saved_details": ("Saved the book details.", "书籍信息已保存。"),
    "ab_take": ("take {n} (seed {seed})", "版本 {n}（种子 {seed}）"),
    "ab_line_status": ("Line {n}: **{status}**", "第 {n} 句：**{status}**"),
    "ab_eta": (", about {seconds} s left", "，约剩 {seconds} 秒"),
    "ab_rtf": (", real-time factor {rtf}", "，实时率 {rtf}"),
    "ab_render_summary": ("{done}/{total} lines ({rendered} rendered now, {reused} already done){rtf}{eta} — {state}",
                          "{done}/{total} 句（本次渲染 {rendered} 句，之前已完成 {reused} 句）{rtf}{eta} — {state}"),
    "render_state_running": ("running", "渲染中"),
    "render_state_paused": ("paused", "已暂停"),
    "render_state_cancelled": ("cancelled", "已取消"),
    "render_state_finished": ("finished", "已完成"),
    "render_state_failed": ("failed", "失败"),
    "line_status_pending": ("pending", "待渲染"),
    "line_status_rendered": ("rendered", "已渲染"),
    "line_status_flagged": ("flagged", "已标记"),
    "line_status_approved": ("approved", "已通过"),
    "rep_title": ("# Delivery report: {title}", "# 交付报告：{title}"),
    "rep_target": ("Target: **{target}**, result: **{verdict}**", "标准：**{target}**，结果：**{verdict}**"),
    "rep_target_acx": ("acx", "ACX"),
    "rep_target_podcast": ("podcast", "播客"),
    "rep_target_none": ("none", "不调整电平"),
    "rep_pass": ("PASS", "通过"),
    "rep_fail": ("FAIL", "未通过"),
    "rep_ok": ("pass", "通过"),
    "rep_failed": ("FAIL: {problems}", "未通过：{problems}"),
    "rep_average": ("avg", "平均"),
    "rep_warnings": ("## Warnings", "## 警告"),
    "rep_also_written": ("## Also written", "## 同时写出的文件"),
    # Models
    "md_random": ("**{n} of {total} files of {version} are random test models, not the official weights**: they make "
                  "noise, not speech. Delete them from `{folder}` and press *Download* for the official files.",
                  "**{version} 的 {total} 个文件中有 {n} 个是随机测试模型，不是官方权重**：它们只会发出噪音，不会说话。"
                  "请把它们从 `{folder}` 中删除，再点 *下载* 获取官方文件。"),
    "md_all_present": ("**All {total} files of {version} are present.** You can synthesize and fine-tune.",
                       "**{version} 的 {total} 个文件都已就绪。** 可以合成和微调了。"),
    "md_missing": ("**{n} of {total} files of {version} are missing or unusable.** Press *Download* to fetch them "
                   "(about 1 GB for a full version), or copy upstream's `GPT_SoVITS/pretrained_models/` contents into "
                   "`{folder}`.",
                   "**{version} 的 {total} 个文件中有 {n} 个缺失或无法使用。** 点 *下载* 获取（完整版本约 1 GB），"
                   "或把上游 `GPT_SoVITS/pretrained_models/` 里的内容复制到 `{folder}`。"),
    "md_download_failed": ("**Download failed:** {error}", "**下载失败：**{error}"),
    "md_downloaded": ("Downloaded: {done}, already present: {skipped}, failed: {failed}.",
                      "已下载：{done}，原已存在：{skipped}，失败：{failed}。"),
    "md_failed_file": ("  FAILED {path}: {why}", "  失败 {path}：{why}"),
    "state_present": ("present", "已就绪"),
    "state_missing": ("missing", "缺失"),
    "state_incomplete": ("incomplete", "未下载完"),
    "state_corrupt": ("corrupt", "已损坏"),
    # Settings
    "st_folders_need_path": ("Both folders need a path.", "两个文件夹都需要填写路径。"),
    "st_saved": ("✅ Settings saved.", "✅ 设置已保存。"),
    "st_restart": (" Restart the studio to use the new folders.", "重启工作室后才会使用新的文件夹。"),
}

# values of ``*_word`` groups
WORDS: dict[str, str] = {
    "cloning": "克隆", "training on": "训练",
    "a text file": "文本文件", "unknown data": "未知数据", "a PNG image": "PNG 图片", "a JPEG image": "JPEG 图片",
    "a GIF image": "GIF 图片", "a PDF document": "PDF 文档", "a ZIP archive": "ZIP 压缩包", "a program": "程序",
    "reference": "参考音频", "voice clips": "声音片段",
    "sovits": "SoVITS", "gpt": "GPT", "SoVITS": "SoVITS", "GPT": "GPT",
}

_Q = r"['\"]"  # the quote of a Python repr
PATTERNS: list[tuple[str, str]] = [
    # ----- UI services and the studio's own checks
    (r"Choose a voice at the top of the page, or create one on the Voice data tab\.",
     "请在页面顶部选择一个声音，或在“声音数据”页新建一个。"),
    (r"Add recordings on the Voice data tab first \(upload files or record\)\.",
     "请先在“声音数据”页添加录音（上传文件或直接录音）。"),
    (rf"(?P<kind_word>\w+) training of {_Q}(?P<name>.*){_Q} is still running; wait or cancel it\.",
     "声音“{name}”的 {kind_word} 训练仍在进行，请等待或取消。"),
    (r"No training of this voice is running\.", "该声音当前没有正在进行的训练。"),
    (r"(?P<kind>\w+) training stopped: (?P<why_msg>.*)", "{kind} 训练中止：{why_msg}"),
    (r"(?P<kind>\w+) training ended with exit code (?P<code>\S+)\. Last lines of its log: (?P<tail>.*)",
     "{kind} 训练异常结束（退出码 {code}）。日志最后几行：{tail}"),
    (rf"The clip (?P<clip>.+) is not part of voice {_Q}(?P<name>.*){_Q}; refresh the list\.",
     "片段 {clip} 不属于声音“{name}”，请刷新列表。"),
    (r"Choose a GPT and a SoVITS model\. If the lists are empty, download the pretrained models on the Models tab "
     r"\(or fine-tune this voice\)\.",
     "请选择 GPT 模型和 SoVITS 模型。如果列表是空的，请在“模型”页下载预训练模型（或先微调该声音）。"),
    (r"Choose a GPT and a SoVITS model first\.", "请先选择 GPT 模型和 SoVITS 模型。"),
    (r"Nothing to say: the text holds no speakable words\.", "没有可朗读的内容：文本里没有能读出来的字词。"),
    (r"There is no sentence (?P<n>\d+); the result has (?P<total>\d+)\.", "没有第 {n} 句，这次结果只有 {total} 句。"),
    (r"The models changed since this result was made; synthesize the whole text again\.",
     "生成这段结果之后模型已更换，请重新合成全文。"),
    (r"Choose or import a book first\.", "请先选择或导入一本书。"),
    (r"Give the book a name first\.", "请先给这本书起个名字。"),
    (r"Choose a book file \(\.txt, \.md, \.epub\) or paste the text\.", "请选择书籍文件（.txt、.md、.epub）或粘贴文本。"),
    (rf"Book {_Q}(?P<name>.*){_Q} is rendering; pause or cancel it first\.", "《{name}》正在渲染，请先暂停或取消。"),
    (r"This book is rendering in the background; pause or cancel it first\.", "这本书正在后台渲染，请先暂停或取消。"),
    (r"✅ official \(checksum matches\)", "✅ 官方文件（校验和一致）"),
    (r"official size \(no checksum to compare\)", "大小与官方一致（没有校验和可比对）"),
    (r"not verified \(the registry has no size or checksum for it\)", "未验证（登记表里没有它的大小或校验和）"),
    (r"⚠️ random test model, not the official weights", "⚠️ 随机测试模型，不是官方权重"),
    # ----- voices and the workspace
    (rf"There is no voice named {_Q}(?P<name>.*){_Q}\. Create it first\.", "没有名为“{name}”的声音，请先创建。"),
    (rf"A voice named {_Q}(?P<name>.*){_Q} already exists\.", "名为“{name}”的声音已存在。"),
    (rf"{_Q}(?P<name>.*){_Q} is not a usable voice name: use 1–64 letters, digits, spaces, '-', '_' or '\.', starting "
     r"with a letter or digit\.",
     "“{name}”不能用作声音名称：请使用 1–64 个字母、数字、空格、“-”、“_”或“.”，并以字母或数字开头。"),
    (rf"{_Q}(?P<name>.*){_Q} is the name of the studio's audiobook folder; choose another voice name\.",
     "“{name}”是工作室有声书文件夹的名字，请换一个声音名称。"),
    (rf"Before (?P<action_word>cloning|training on) voice {_Q}(?P<name>.*){_Q}, confirm on the Voice data tab: "
     r"\"(?P<statement_msg>.*)\"",
     "在{action_word}声音“{name}”之前，请先在“声音数据”页确认：“{statement_msg}”"),
    (r"This is my voice, or I have the speaker's permission to clone it\.",
     "这是我本人的声音，或我已获得说话人的克隆许可。"),
    # ----- text
    (r"Nothing to speak: the text has no words, only punctuation, symbols or emoji\.",
     "没有可朗读的内容：文本里只有标点、符号或表情，没有字词。"),
    (r"The text is empty; type something to read\.", "文本是空的，请输入要朗读的内容。"),
    (r"The Chinese text is empty; type something to read\.", "中文文本是空的，请输入要朗读的内容。"),
    (r"The text has nothing to read once markup is removed\.", "去掉标记后，文本里没有可朗读的内容。"),
    (r"The text to speak is empty\.", "要合成的文本是空的。"),
    (r"The text is (?P<n>\d+) characters long; one synthesis takes at most (?P<max>\d+)\. For a longer text use the "
     r"audiobook workflow \(the Audiobook tab, or `python -m gpt_sovits book`\), which renders it chapter by "
     r"chapter\.",
     "文本有 {n} 个字符，一次合成最多 {max} 个。更长的文本请使用有声书功能（“有声书”页，或 "
     "`python -m gpt_sovits book`），它会逐章渲染。"),
    (rf"Chinese character {_Q}(?P<char>.*){_Q} at position (?P<pos>\d+) in text marked as English; use language "
     r"'auto' or 'zh' for mixed text\.",
     "文本语言设为英语，但第 {pos} 个位置有汉字“{char}”；中英混合的文本请选择“自动检测”或“中文”。"),
    (rf"Character {_Q}(?P<char>.*){_Q} \((?P<uname>.*)\) at position (?P<pos>\d+) is in a script this studio cannot "
     r"speak; only Chinese and English text is supported\.",
     "第 {pos} 个位置的字符“{char}”（{uname}）属于无法朗读的文字；目前只支持中文和英文。"),
    (rf"Character {_Q}(?P<char>.*){_Q} has no Mandarin reading; remove or replace it\.",
     "字符“{char}”没有普通话读音，请删除或替换。"),
    (r"Pause at position (?P<pos>\d+) must be between 0 and (?P<max>\S+) seconds, not (?P<value>\S+)\.",
     "第 {pos} 个位置的停顿必须在 0 到 {max} 秒之间，不能是 {value} 秒。"),
    (r"Unknown markup \[(?P<tag>.*)\] at position (?P<pos>\d+); use \[emph\]\.\.\.\[/emph\], \[pause:0\.8\] or "
     r"\[break\]\.",
     "第 {pos} 个位置有未知标记 [{tag}]；可用的标记有 [emph]...[/emph]、[pause:0.8] 和 [break]。"),
    (r"'\[' at position (?P<pos>\d+) is never closed by '\]'; write \\\[ for a literal bracket\.",
     "第 {pos} 个位置的“[”没有对应的“]”；要输入方括号本身，请写 \\[。"),
    (r"'\]' at position (?P<pos>\d+) has no opening bracket; write \\\] for a literal bracket\.",
     "第 {pos} 个位置的“]”没有对应的“[”；要输入方括号本身，请写 \\]。"),
    (r"Emphasis opened at position (?P<pos>\d+) is never closed\.", "从第 {pos} 个位置开始的强调没有结束标记。"),
    (r"\[emph\] at position (?P<pos>\d+) opens emphasis inside emphasis; close the first one\.",
     "第 {pos} 个位置的 [emph] 嵌套在另一个强调里，请先结束前一个。"),
    (r"\[/emph\] at position (?P<pos>\d+) closes an emphasis that was never opened\.",
     "第 {pos} 个位置的 [/emph] 没有对应的 [emph]。"),
    (r"Override at position (?P<pos>\d+) must look like \{word\|phones\}, e\.g\. \{行\|hang2\}\.",
     "第 {pos} 个位置的读音标记应写成 {{词|读音}}，例如 {{行|hang2}}。"),
    (r"Override at position (?P<pos>\d+): (?P<why_msg>.*)", "第 {pos} 个位置的读音标记：{why_msg}"),
    (rf"{_Q}(?P<syllable>.*){_Q} is not a pinyin syllable with a tone digit 1-5 \(like 'hang2'\)\.",
     "“{syllable}”不是带声调数字 1-5 的拼音音节（例如 hang2）。"),
    (rf"{_Q}(?P<word>.*){_Q} needs one pinyin syllable per Chinese character, got {_Q}(?P<spec>.*){_Q}\.",
     "“{word}”的每个汉字需要一个拼音音节，实际写的是“{spec}”。"),
    (rf"{_Q}(?P<spec>.*){_Q} is not a list of ARPAbet phones \(like 'R EH1 K ER0 D'\); bad: (?P<bad>.*)",
     "“{spec}”不是 ARPAbet 音素列表（例如 R EH1 K ER0 D）；有误的部分：{bad}"),
    # ----- models and pretrained files
    (r"Chinese BERT model not found in (?P<folder>.*)\. Download the pretrained weights \(Models tab, or "
     r"`python -m gpt_sovits download --version v2`\)\.",
     "在 {folder} 中找不到中文 BERT 模型。请下载预训练权重（“模型”页，或 `python -m gpt_sovits download --version v2`）。"),
    (r"HuBERT model not found in (?P<folder>.*)\. Download the pretrained weights \(Models tab, or "
     r"`python -m gpt_sovits download --version v2`\)\.",
     "在 {folder} 中找不到 HuBERT 模型。请下载预训练权重（“模型”页，或 `python -m gpt_sovits download --version v2`）。"),
    (r"The speaker-verification network (?P<name>.*) is missing \(needed by v2Pro models\)\. Download the v2Pro "
     r"weights in the Models tab or with `python -m gpt_sovits download --version v2Pro`\.",
     "缺少说话人验证网络 {name}（v2Pro 模型需要它）。请在“模型”页或用 "
     "`python -m gpt_sovits download --version v2Pro` 下载 v2Pro 权重。"),
    (r"The (?P<version>v\S+) (?P<role_msg>.+) is missing \((?P<path>.*)\)\. Download it on the Models tab or with "
     r"`python -m gpt_sovits download --version (?P=version)`\.",
     "缺少 {version} 版本的文件：{role_msg}（{path}）。请在“模型”页或用 "
     "`python -m gpt_sovits download --version {version}` 下载。"),
    (r"model file not found: (?P<name>.*)", "找不到模型文件：{name}"),
    (r"(?P<what>.+) \((?P<path>.*)\) is missing or outside the workspace; choose it again in the studio\.",
     "{what}（{path}）缺失或不在工作区内，请在工作室里重新选择。"),
    (r"GPT \(text to semantic tokens\)", "GPT（文本转语义 token）"),
    (r"SoVITS generator", "SoVITS 生成器"),
    (r"SoVITS discriminator \(fine-tuning only\)", "SoVITS 判别器（仅微调时使用）"),
    (r"speaker-verification network \(ERes2NetV2\)", "说话人验证网络（ERes2NetV2）"),
    (r"English part-of-speech tagger \(NLTK averaged perceptron; optional\)", "英文词性标注器（NLTK 平均感知器；可选）"),
    (r"English pronunciation dictionary \(upstream's CMU files; optional\)", "英文发音词典（上游的 CMU 文件；可选）"),
    (r"HuBERT config", "HuBERT 配置"),
    (r"HuBERT feature-extractor config", "HuBERT 特征提取器配置"),
    (r"HuBERT weights \(semantic features\)", "HuBERT 权重（语义特征）"),
    (r"Chinese BERT config", "中文 BERT 配置"),
    (r"Chinese BERT tokenizer", "中文 BERT 分词器"),
    (r"Chinese BERT weights \(text features\)", "中文 BERT 权重（文本特征）"),
    (r"partial download, (?P<mb>\S+) MB so far", "下载未完成，已下载 {mb} MB"),
    (r"not downloaded \(about (?P<mb>\S+) MB\)", "未下载（约 {mb} MB）"),
    (r"the file is empty", "文件是空的"),
    (r"tiny random test model \((?P<mb>\S+) MB\), not real weights", "微型随机测试模型（{mb} MB），不是真正的权重"),
    (r"size (?P<size>\d+) bytes, expected (?P<expected>\d+)", "大小 {size} 字节，应为 {expected} 字节"),
    (r"the file does not match the official release", "文件与官方发布的版本不一致"),
    (r"The server answered HTTP (?P<code>\d+) for (?P<url>.*)\.", "服务器对 {url} 返回了 HTTP {code}。"),
    (r"Could not reach (?P<url>\S+): (?P<why>.*)\. Check the connection or try another mirror\.",
     "无法连接 {url}：{why}。请检查网络连接，或换一个镜像。"),
    (r"The transfer of (?P<name>.*) stopped at (?P<done>\d+) of (?P<total>\d+) bytes; run the download again to "
     r"resume\.",
     "{name} 的传输在 {done}/{total} 字节处中断；再次下载即可续传。"),
    (rf"Unknown mirror {_Q}(?P<mirror>.*){_Q}; use one of (?P<known>.*) or an http\(s\):// URL\.",
     "未知的镜像“{mirror}”；请使用 {known} 之一，或填写 http(s):// 地址。"),
    # ----- audio files and references
    (r"Audio file not found: (?P<path>.*)\. Check the path and try again\.", "找不到音频文件：{path}。请检查路径后重试。"),
    (r"(?P<path>.*) is a folder, not an audio file\.", "{path} 是文件夹，不是音频文件。"),
    (r"The audio file (?P<name>.*) is empty \(0 bytes\); it may not have finished copying\.",
     "音频文件 {name} 是空的（0 字节），可能还没有复制完。"),
    (r"(?P<name>.*) is not an audio file: it looks like (?P<what_word>.*)\. Choose a wav, flac, mp3 or ogg file\.",
     "{name} 不是音频文件，看起来是{what_word}。请选择 wav、flac、mp3 或 ogg 文件。"),
    (r"(?P<name>.*) has a sample rate of (?P<rate>\d+) Hz, below the (?P<min>\d+) Hz minimum; such audio is too "
     r"muffled for voice cloning\. Record or export at 16 kHz or more\.",
     "{name} 的采样率是 {rate} Hz，低于最低要求的 {min} Hz；这样的音频太闷，不适合声音克隆。请用 16 kHz 或更高的采样率录制或导出。"),
    (r"(?P<name>.*) contains no audio samples \(the recording is empty\)\.", "{name} 里没有音频采样（录音是空的）。"),
    (r"(?P<name>.*) is (?P<minutes>\S+) minutes long, more than the (?P<max>\d+)-minute limit\. Cut it into shorter "
     r"files first\.",
     "{name} 长 {minutes} 分钟，超过了 {max} 分钟的上限。请先剪成较短的文件。"),
    (r"(?P<name>.*) is damaged: its samples could not be decoded \((?P<why>.*)\)\.",
     "{name} 已损坏，无法解码其中的采样（{why}）。"),
    (r"ffmpeg took more than (?P<s>\d+) s to decode (?P<name>.*)\.", "ffmpeg 解码 {name} 用了超过 {s} 秒。"),
    (r"ffmpeg could not decode (?P<name>.*) either: (?P<why>.*)", "ffmpeg 也无法解码 {name}：{why}"),
    (r"(?P<name>.*) contains invalid samples \(NaN or infinity\); re-export it as 16-bit WAV\.",
     "{name} 含有无效采样（NaN 或无穷大），请重新导出为 16 位 WAV。"),
    (r"(?P<name>.*) is silent \(loudest sample (?P<db>\S+) dBFS\)\. Check that the microphone was on and the right "
     r"input was selected\.",
     "{name} 没有声音（最响的采样只有 {db} dBFS）。请检查麦克风是否打开、输入设备是否选对。"),
    (r"The reference audio is (?P<d>\S+) s long; it must be (?P<lo>\d+)-(?P<hi>\d+) s\. Choose or record a longer "
     r"clip\.",
     "参考音频长 {d} 秒，必须在 {lo}-{hi} 秒之间。请选择或录制更长的片段。"),
    (r"The reference clip is only (?P<d>\S+) s long; use a clip of 3 to 10 seconds of clear speech\.",
     "参考音频只有 {d} 秒，请使用 3 到 10 秒的清晰语音片段。"),
    (r"The reference clip is short \((?P<d>\S+) s\); 3 to 10 s gives a closer voice\.",
     "参考音频较短（{d} 秒），3 到 10 秒的参考音频能让音色更接近。"),
    (r"(?P<first_msg>.*\.) Give the exact text of that part as prompt text, or leave the prompt text empty\.",
     "{first_msg}请把这一部分的准确文本填为参考文本，或者留空。"),
    (r"The reference clip was (?P<d>\S+) s long; its clearest part was used\.", "参考音频长 {d} 秒，已使用其中最清晰的部分。"),
    (r"The reference audio was (?P<d>\S+) s; references must be (?P<lo>\d+)-(?P<hi>\d+) s, so (?P<used>\S+) s from "
     r"(?P<start>\S+) s to (?P<end>\S+) s was used \((?P<how_msg>.*)\)\.",
     "参考音频长 {d} 秒，而参考音频必须在 {lo}-{hi} 秒之间，因此使用了从 {start} 秒到 {end} 秒的 {used} 秒（{how_msg}）。"),
    (r"whole phrases", "完整的短语"),
    (r"the part with the most speech; with no pause to cut at, a word may be cut",
     "语音最多的一段；因为没有可以切分的停顿，可能切断了某个字"),
    (rf"Piece (?P<n>\d+) \({_Q}(?P<t>.*){_Q}\) did not end naturally and was cut; try another seed\.",
     "第 {n} 段（“{t}”）没有自然结束，已被截断；请换个种子再试。"),
    (r"Sentence (?P<n>\d+) is flagged after (?P<takes>\d+) take\(s\): (?P<why_list>.*)\. Listen to it, or redo it\.",
     "第 {n} 句生成了 {takes} 个版本后仍被标记：{why_list}。请试听，或重做这一句。"),
    (r"The line did not end naturally and was cut\.", "这一句没有自然结束，已被截断。"),
    (rf"Voice {_Q}(?P<name>.*){_Q} has no clips yet: add and slice a recording, or upload a reference clip on this "
     r"tab\.",
     "声音“{name}”还没有片段：请添加录音并切分，或在本页上传参考音频。"),
    (rf"No clip of voice {_Q}(?P<name>.*){_Q} starts and ends in silence, so none was picked \(it could cut a "
     r"word\); choose the reference clip yourself\.",
     "声音“{name}”没有首尾都是静音的片段，因此没有自动挑选（可能会切断字词）；请自己选择参考音频。"),
    (r"auto-picked (?P<clip>.+) \(score (?P<score>\S+): (?P<why_list>.*)\)", "自动挑选了 {clip}（得分 {score}：{why_list}）"),
    (r"clean, 3-10 s", "干净，3-10 秒"),
    (r"too short \((?P<d>\S+) s; at least (?P<min>\d+) s needed\)", "太短（{d} 秒，至少需要 {min} 秒）"),
    (r"too long \((?P<d>\S+) s\); it would have to be trimmed to (?P<max>\d+) s", "太长（{d} 秒），需要截到 {max} 秒"),
    (r"noisy \(signal-to-noise (?P<snr>\S+) dB\)", "有噪声（信噪比 {snr} dB）"),
    (r"little voiced speech \((?P<p>\S+)% of the clip\)", "浊音较少（占片段的 {p}%）"),
    (r"clipped \((?P<p>\S+)% of samples\)", "有削波（{p}% 的采样点）"),
    (r"does not start and end in silence \(may cut a word\)", "首尾不是静音（可能切断字词）"),
    # ----- recordings, clips and transcripts
    (r"Only (?P<s>\d+) s of speech was found; at least 30 s is needed and about a minute works best\. Add more "
     r"recordings\.",
     "只找到 {s} 秒语音；至少需要 30 秒，一分钟左右效果最好。请再添加一些录音。"),
    (r"There are (?P<m>\S+) minutes of speech\. More than 10 minutes makes preparation and training slow for little "
     r"gain; consider keeping the best 5-10 minutes\.",
     "共有 {m} 分钟语音。超过 10 分钟会让准备和训练变慢，收益却不大；建议只保留最好的 5-10 分钟。"),
    (r"The background noise is loud \(signal-to-noise about (?P<snr>\S+) dB; 30 dB or more is ideal\)\. Turn on noise "
     r"reduction or record in a quieter room\.",
     "背景噪声较大（信噪比约 {snr} dB，30 dB 以上最理想）。请打开降噪，或换个安静的房间录音。"),
    (r"(?P<p>\S+)% of the samples are clipped \(distorted because the input was too loud\)\. Record again with the "
     r"input gain lowered\.",
     "有 {p}% 的采样点削波（输入音量太大导致失真）。请调低输入增益后重新录制。"),
    (r"The voice is quiet \((?P<db>\S+) dBFS\)\. It will be normalised, but the noise grows with it; record closer to "
     r"the microphone if you can\.",
     "人声偏小（{db} dBFS）。会自动调整音量，但噪声也会随之放大；如果可以，请离麦克风近一些录音。"),
    (r"The sample rate is (?P<rate>\d+) Hz; 16000 Hz or more is recommended\.", "采样率是 {rate} Hz，建议 16000 Hz 或更高。"),
    (r"kept whole at (?P<d>\S+) s, longer than the (?P<max>\S+) s training accepts: training will leave it out; "
     r"slice it instead",
     "保持完整，长 {d} 秒，超过了训练能接受的 {max} 秒：训练会跳过它，请改为切分"),
    (r"kept whole at (?P<d>\S+) s, longer than the (?P<max>\S+) s clips training handles best; consider slicing it",
     "保持完整，长 {d} 秒，超过了训练最适合的 {max} 秒；建议切分"),
    (r"(?P<n>\d+) clip\(s\)", "{n} 个片段"),
    (r"(?P<clip>.+): no text yet; type what is said, or delete the clip\.", "{clip}：还没有文本，请填写说的内容，或删除该片段。"),
    (r"(?P<clip>.+): (?P<chars>\d+) characters for (?P<d>\S+) s of audio is very fast; check that the text belongs "
     r"to this clip\.",
     "{clip}：{d} 秒的音频对应 {chars} 个字符，语速过快；请检查文本是否属于这个片段。"),
    (r"(?P<clip>.+): only (?P<chars>\d+) characters for (?P<d>\S+) s of audio; is part of the text missing\?",
     "{clip}：{d} 秒的音频只对应 {chars} 个字符，是不是漏了一部分文本？"),
    (r"The clip (?P<clip>.+) is not in this voice's list any more; refresh the table\.",
     "片段 {clip} 已不在该声音的列表中，请刷新表格。"),
    (r"no text", "没有文本"),
    (r"language (?P<lang>\S+) cannot be trained yet \(use zh or en\)", "暂不支持用 {lang} 训练（请用 zh 或 en）"),
    (r"(?P<d>\S+) s is shorter than (?P<min>\S+) s", "{d} 秒，短于 {min} 秒"),
    (r"(?P<d>\S+) s is longer than (?P<max>\S+) s", "{d} 秒，长于 {max} 秒"),
    (r"no speech was recognised; type the text", "没有识别出语音，请手动填写文本"),
    (r"every clip already has text", "每个片段都已有文本"),
    (r"no speech recognised", "没有识别出语音"),
    (r"starting", "开始"),
    (r"already prepared", "已准备好"),
    (r"prepared", "已准备"),
    (r"problem: (?P<why_msg>.*)", "问题：{why_msg}"),
    (r"no text yet: left out of training", "还没有文本：不参与训练"),
    (r"no checkpoint to resume from; starting from the pretrained models", "没有可继续的检查点，从预训练模型开始"),
    (r"(?P<n>\d+) clip\(s\) left out(?: \((?P<m>\d+) too long or too short: slice them into 3–10 s pieces\))?: "
     r"(?P<names>.*)",
     "{n} 个片段未参与训练：{names}"),
    (r"Only (?P<s>\d+) s of usable audio\. Training will run, but at least 1 minute \(better 5–30 minutes\) of clean "
     r"speech gives a voice that sounds like the speaker\.",
     "可用音频只有 {s} 秒。训练可以进行，但至少需要 1 分钟（最好 5–30 分钟）干净的语音，声音才会像说话人。"),
    # ----- take checks: why a check could not run, what it heard, where its window came from
    (r"no speech", "没有语音"),
    (r"the token count or the phone count is unknown", "token 数或音素数未知"),
    (r"the phone count of the text is unknown", "文本的音素数未知"),
    (r"under (?P<n>\d+) phones: too short to judge the pace", "不足 {n} 个音素，太短，无法判断语速"),
    (r"no neighbouring takes to compare with", "没有相邻的句子可以比较"),
    (r"no speech recognition is set up", "没有设置语音识别"),
    (r"the text has no words to compare", "文本里没有可比较的字词"),
    (r"speech recognition failed: (?P<why_msg>.*)", "语音识别出错：{why_msg}"),
    (r"the speaker encoder is not loaded", "说话人编码器未加载"),
    (r"the take is too short to compare voices", "音频太短，无法比较音色"),
    (r"the speaker encoder failed: (?P<why_msg>.*)", "说话人编码器出错：{why_msg}"),
    (r"no models folder given", "没有指定模型文件夹"),
    (r"the v2Pro speaker encoder \(pretrained/sv/\) is not downloaded; get it on the Models tab",
     "v2Pro 说话人编码器（pretrained/sv/）尚未下载，请在“模型”页下载"),
    (r"default", "默认范围"),
    (r"(?P<source_word>reference|voice clips) \((?P<n>\d+) clips?\)", "{source_word}（{n} 个片段）"),
    (rf"heard {_Q}(?P<heard>.*){_Q}", "听到的是“{heard}”"),
    (rf"speech recognition hears other words than the text: {_Q}(?P<heard>.*){_Q}",
     "语音识别听到的内容与文本不符：“{heard}”"),
    # ----- books
    (r"The book file (?P<name>.*) does not exist\.", "书籍文件 {name} 不存在。"),
    (r"(?P<name>.*) is empty\.", "{name} 是空的。"),
    (r"(?P<name>.*) is (?P<mb>\S+) MB; books up to (?P<max>\d+) MB can be imported\. Split it into volumes and "
     r"import each as its own book\.",
     "{name} 有 {mb} MB，最多只能导入 {max} MB 的书。请分卷，每卷作为一本书导入。"),
    (r"(?P<name>.*): only \.txt, \.md and \.epub books can be imported\.", "{name}：只能导入 .txt、.md 和 .epub 格式的书。"),
    (r"(?P<name>.*) starts like (?P<enc>\S+) text but is damaged at byte (?P<at>\d+)\.",
     "{name} 看起来是 {enc} 文本，但在第 {at} 字节处已损坏。"),
    (r"Could not tell the encoding of (?P<name>.*): it is not UTF-8, UTF-16 \(with a byte-order mark\), GB18030 "
     r"Chinese or Western European \(Windows-1252, Latin-1\) text\. Save it as UTF-8 and import it again\.",
     "无法识别 {name} 的编码：它不是 UTF-8、UTF-16（带字节序标记）、GB18030 中文或西欧（Windows-1252、Latin-1）文本。"
     "请另存为 UTF-8 后重新导入。"),
    (r"The text has nothing to speak: no letters or digits were found\.", "文本里没有可朗读的内容：没有找到任何文字或数字。"),
    (r"The pasted text is empty\.", "粘贴的文本是空的。"),
    (r"The pasted text is larger than (?P<max>\d+) MB; import it as a file in volumes instead\.",
     "粘贴的文本超过了 {max} MB，请改为分卷以文件形式导入。"),
    (r"(?P<name>.*) is a damaged EPUB and cannot be read \((?P<why>.*)\)\.", "{name} 是损坏的 EPUB，无法读取（{why}）。"),
    (r"(?P<name>.*) is a damaged EPUB: (?P<why>.*)\.", "{name} 是损坏的 EPUB：{why}。"),
    (r"(?P<name>.*) contains no readable text \(an EPUB of images, or an empty book\)\.",
     "{name} 里没有可读的文字（可能是纯图片的 EPUB，或是空书）。"),
    (r"(?P<name>.*) is not an EPUB: an EPUB is a zip archive, and this file is not one\.",
     "{name} 不是 EPUB：EPUB 是 zip 压缩包，而这个文件不是。"),
    (r"(?P<name>.*) is a zip archive but not an EPUB \(it has no META-INF/container\.xml\); was another file renamed "
     r"to \.epub\?",
     "{name} 是 zip 压缩包但不是 EPUB（没有 META-INF/container.xml）；是不是把别的文件改名成了 .epub？"),
    (r"(?P<name>.*) is protected by DRM \((?P<how>.*)\); only DRM-free EPUBs can be imported\.",
     "{name} 受 DRM 保护（{how}），只能导入没有 DRM 的 EPUB。"),
    (r"(?P<n>\d+) part\(s\) with nothing to read aloud \(cover, images, table of contents, copyright page\) were "
     r"left out\.", "略去了 {n} 个无需朗读的部分（封面、图片、目录、版权页）。"),
    (rf"A book named {_Q}(?P<name>.*){_Q} exists already; open it or choose another name\.",
     "名为“{name}”的书已存在，请打开它或换个名字。"),
    (rf"There is no book named {_Q}(?P<name>.*){_Q} \(books: (?P<books>.*)\)\.", "没有名为“{name}”的书（现有：{books}）。"),
    (rf"Chapter {_Q}(?P<title>.*){_Q} has no speakable text and was left out\.", "章节“{title}”没有可朗读的文本，已略去。"),
    (r"The book has no speakable text\.", "这本书没有可朗读的文本。"),
    (r"Imported (?P<chapters>\d+) chapters, (?P<lines>\d+) lines\.", "已导入 {chapters} 个章节，共 {lines} 句。"),
    (r"Read (?P<name>.*) as (?P<encoding>[\w() -]+)\.", "已按 {encoding} 编码读取 {name}。"),
    (r"Project Gutenberg's header and licence were left out\.", "已略去古登堡计划（Project Gutenberg）的文件头和许可证文本。"),
    (r"The cover must be a \.jpg or \.png image\.", "封面必须是 .jpg 或 .png 图片。"),
    (r"The cover must be a JPEG or PNG image\.", "封面必须是 JPEG 或 PNG 图片。"),
    (r"A chapter needs a title\.", "章节需要一个标题。"),
    (rf"Chapter {_Q}(?P<title>.*){_Q} is the last one; there is nothing to merge it with\.",
     "章节“{title}”是最后一章，后面没有可以合并的章节。"),
    (rf"Choose a line from 2 to (?P<n>\d+) to split chapter {_Q}(?P<title>.*){_Q} at\.",
     "请在第 2 到第 {n} 句之间选择章节“{title}”的拆分位置。"),
    (r"The position must be from 1 to (?P<n>\d+)\.", "位置必须在 1 到 {n} 之间。"),
    (r"The new text has nothing to speak; delete the line's words only by excluding it\.",
     "新文本里没有可朗读的内容；如果要删掉这一句的文字，请改为排除它。"),
    (r"That take is not one of this line's takes\.", "这个版本不属于这一句。"),
    (r"Render the line before approving it\.", "请先渲染这一句，再点通过。"),
    (rf"There is no chapter {_Q}(?P<ref>.*){_Q}; the book has chapters 1 to (?P<n>\d+)\.",
     "没有章节“{ref}”，这本书的章节是第 1 到第 {n} 章。"),
    (rf"Chapter {_Q}(?P<title>.*){_Q} has no speakable text; exclude it or give it lines\.",
     "章节“{title}”没有可朗读的文本，请排除它或为它添加内容。"),
    (r"No voice is chosen for this book: set the narrator voice first\.", "这本书还没有选择声音，请先设置朗读声音。"),
    (rf"The voice {_Q}(?P<name>.*){_Q} does not exist in the workspace \(voices: (?P<voices>.*)\)\.",
     "工作区里没有声音“{name}”（现有声音：{voices}）。"),
    (rf"Voice {_Q}(?P<name>.*){_Q} has no reference clip yet; choose one on the Synthesize tab first\.",
     "声音“{name}”还没有参考音频，请先在“合成”页选择一个。"),
    (r"Some lines have no take yet, so the book cannot be exported: (?P<which_list>.*)\. Render them first "
     r"\(Audiobook tab or `python -m gpt_sovits book render`\)\.",
     "有些句子还没有音频，无法导出：{which_list}。请先渲染它们（“有声书”页或 `python -m gpt_sovits book render`）。"),
    (r"(?P<number>\d+)\. (?P<title>.*) \((?P<absent>\d+) of (?P<total>\d+) lines\)",
     "{number}. {title}（{total} 句中有 {absent} 句）"),
    (r"Every chapter of the book is excluded: include at least one to export\.",
     "这本书的所有章节都被排除了，至少要纳入一章才能导出。"),
    (r"The book has no chapters to export\.", "这本书没有可导出的章节。"),
    (rf"The chapter {_Q}(?P<title>.*){_Q} has no lines to export\.", "章节“{title}”没有可导出的句子。"),
    (r"The chapter has no lines to export\.", "这一章没有可导出的句子。"),
    (r"The chapter has no sound in it; render its lines again before exporting\.", "这一章没有声音，导出前请重新渲染其中的句子。"),
    (rf"The take of the line {_Q}(?P<line>.*){_Q} cannot be read \((?P<name>.*)\)\.", "无法读取句子“{line}”的音频（{name}）。"),
    (rf"Chapter {_Q}(?P<title>.*){_Q} lasts (?P<m>\S+) minutes, more than the (?P<limit>\S+) minutes allowed; it was "
     r"kept whole\.",
     "章节“{title}”长 {m} 分钟，超过允许的 {limit} 分钟；已保持完整。"),
    (rf"Chapter {_Q}(?P<title>.*){_Q} lasts (?P<m>\S+) minutes, more than the (?P<limit>\S+) minutes allowed; it was "
     r"split into (?P<n>\d+) parts\.",
     "章节“{title}”长 {m} 分钟，超过允许的 {limit} 分钟；已拆分为 {n} 部分。"),
    (r"Flagged lines were exported as they are; listen to them first: (?P<which_list>.*)\.",
     "被标记的句子已按原样导出，请先试听：{which_list}。"),
    (r"(?P<number>\d+)\. (?P<title>.*): (?P<n>\d+) lines?", "{number}. {title}：{n} 句"),
    (r"Mastering (?P<title>.*)", "正在做母带处理：{title}"),
    (r"Measuring (?P<name>.*)", "正在测量：{name}"),
    (r"RMS (?P<v>\S+) dB is outside (?P<lo>\S+) to (?P<hi>\S+) dB", "RMS {v} dB 不在 {lo} 至 {hi} dB 范围内"),
    (r"loudness (?P<v>\S+) LUFS is outside (?P<lo>\S+) to (?P<hi>\S+) LUFS", "响度 {v} LUFS 不在 {lo} 至 {hi} LUFS 范围内"),
    (r"true peak (?P<v>\S+) dBTP is above (?P<max>\S+) dBTP", "真峰值 {v} dBTP 高于 {max} dBTP"),
    (r"noise floor (?P<v>\S+) dB is above (?P<max>\S+) dB", "底噪 {v} dB 高于 {max} dB"),
    (r"sample rate (?P<rate>\d+) Hz is not 44100 Hz", "采样率 {rate} Hz 不是 44100 Hz"),
    (r"MP3 must be constant (?P<min>\d+) kbps or more, this is (?P<v>\d+) kbps",
     "MP3 必须是 {min} kbps 或更高的恒定码率，这个是 {v} kbps"),
    (r"longer than (?P<m>\S+) minutes", "超过 {m} 分钟"),
    # ----- the engine's queue
    (r"The server is busy \((?P<n>\d+) requests are already waiting\); try again in about (?P<s>\d+) s\.",
     "服务器正忙（已有 {n} 个请求在排队），请约 {s} 秒后再试。"),
    (r".+ was cancelled before it started\.", "任务在开始之前已取消。"),
    (r".+ was cancelled\.", "任务已取消。"),
    (r"The engine was shut down before this job started\.", "任务开始之前引擎已关闭。"),
    (r".+ waited past its deadline and was dropped\.", "任务等待超时，已被放弃。"),
]

# the take checks' reasons, as a failed check's detail says them
PATTERNS += [(re.escape(english), chinese) for key, (english, chinese) in STATUSES.items()
             if key.startswith("chk_reason_")]

# error class name -> the Chinese lead of an error whose sentence has no translation (the first in the MRO wins)
ERROR_LEADS: dict[str, str] = {
    "QueueFullError": "引擎正忙",
    "JobCancelled": "已取消",
    "TextError": "文本无法朗读",
    "AudioError": "音频无法使用",
    "ModelNotFoundError": "缺少模型文件",
    "UnsafeCheckpointError": "模型文件不安全",
    "CheckpointError": "模型文件无法读取",
    "ModelError": "模型文件无法使用",
    "DownloadError": "下载失败",
    "DiskFullError": "磁盘空间不足",
    "UnsafePathError": "路径不允许",
    "DatasetError": "训练数据无法准备",
    "ConfigError": "设置有误",
    "StudioError": "无法执行",
}

# Patterns that start with a catch-all group ("(?P<name>.*) is empty.") are tried after the specific ones.
_COMPILED = tuple((re.compile(english, re.S), chinese)
                  for english, chinese in sorted(PATTERNS, key=lambda p: p[0].startswith(("(?P<", ".+"))))


def _translate(message: str) -> str | None:
    """The Chinese of one of our English sentences, or None when no pattern matches it."""
    for pattern, template in _COMPILED:
        found = pattern.fullmatch(message)
        if found is None:
            continue
        values = {}
        for name, value in found.groupdict().items():
            value = value or ""
            if name.endswith("_msg"):
                value = _translate(value) or value
            elif name.endswith("_list"):
                value = "；".join(_translate(part) or part for part in value.split("; "))
            elif name.endswith("_word"):
                value = WORDS.get(value, value)
            values[name] = value
        return template.format(**values)
    return None


def localize_message(message: str, language: str) -> str:
    """``message`` (one of our English sentences) in ``language``; unknown sentences stay as they are."""
    if language != "zh" or not message:
        return message
    return _translate(message) or message


def localize_error(error: Exception, language: str) -> str:
    """The message of ``error`` in ``language``: its sentence translated (each problem of a ConfigError), or the
    English sentence after a Chinese lead naming the kind of problem."""
    message = str(error)
    if language != "zh":
        return message
    problems = getattr(error, "problems", None) or [message]
    parts = [_translate(p) for p in problems]
    if all(parts):
        return "；".join(parts)
    lead = next((ERROR_LEADS[c.__name__] for c in type(error).__mro__ if c.__name__ in ERROR_LEADS), "无法执行")
    return f"{lead}：" + "；".join(part or problem for part, problem in zip(parts, problems, strict=True))
