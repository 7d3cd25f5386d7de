"""The chat window (Gradio Blocks): streamed cited answers, a sources panel, a study filter, a library, uploads."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import ConfigError, StudyQAError
from .ui_render import (FILTER_FIELDS, LIBRARY_COLUMNS, answer_markdown, as_text, filter_choices, library_rows,
                        matching_sources, sources_html, status_markdown)

CONCURRENCY = 8  # answers served at once; the rest queue
EXAMPLES = [
    "How many staff were interviewed in the CFT study?",
    "What barriers to between-session work did practitioners describe?",
    "How did the number of people interviewed differ between the CFT group study and the Tele-Balint study?",
    "同伴志愿者参加了几个焦点小组？",
    "Which studies were done outside the UK?",
    "关怀取向治疗团体的研究采用了什么数据分析方法？",
]
CSS = """
.sources mark { background: #ffe08a; color: inherit; padding: 0 2px; }
.sources details { border-left: 4px solid #ccc; padding: 4px 10px; margin: 8px 0; }
.sources details[open], .sources details:target { border-left-color: #e09b00; }
.sources summary { cursor: pointer; font-weight: 600; }
.sources .meta { font-size: 0.85em; opacity: 0.8; margin: 4px 0; }
.sources blockquote { white-space: pre-wrap; margin: 4px 0; }
.sources .cited { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; }
.sources .cited blockquote { flex: 1 1 200px; }
.sources .page-view { flex: 1 1 180px; margin: 4px 0; }
.sources .page-view img { width: 100%; border: 1px solid #ccc; cursor: zoom-in; }
.sources .page-view img:focus { position: fixed; z-index: 1000; top: 2vh; left: 50%; transform: translateX(-50%);
  width: auto; height: 96vh; cursor: zoom-out; box-shadow: 0 0 0 100vmax rgba(0, 0, 0, 0.5); outline: none; }
.sources .page-view figcaption { font-size: 0.85em; opacity: 0.8; text-align: center; }
.sources .card table { border-collapse: collapse; font-size: 0.9em; }
.sources .card th { text-align: left; vertical-align: top; padding: 2px 8px 2px 0; white-space: nowrap; }
.sources .card .quote { font-size: 0.85em; opacity: 0.75; }
.sources .card .empty { opacity: 0.6; font-style: italic; }
"""


def build_app(assistant: Any = None):
    """The Gradio Blocks app around an Assistant (the default one when none is given)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    from .api import default_assistant
    from .uploads import accept_uploads

    assistant = assistant or default_assistant()

    def documents() -> dict:
        return assistant.retriever.snapshot.documents

    def study_choices() -> list[tuple[str, str]]:
        return [(f"{d.display_title} ({d.source})", d.source) for d in sorted(documents().values(), key=lambda d: d.source)]

    def cards() -> dict:
        return {c.source: c for c in assistant.studies()}

    def library(*wanted: str) -> list[list[str]]:
        counts: dict[str, int] = {}
        for chunk in assistant.retriever.snapshot.chunks:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        by_source = cards()
        keep = matching_sources(by_source.values(), dict(zip(FILTER_FIELDS, wanted)))
        return library_rows([d for d in documents().values() if d.source in keep], counts, by_source)

    def filter_library(*wanted: str):
        rows = library(*wanted)
        return rows, f"{len(rows)} of {len(documents())} studies shown."

    def ask_shown(*wanted: str):
        return gr.update(value=sorted(matching_sources(cards().values(), dict(zip(FILTER_FIELDS, wanted)))))

    def respond(message: str, chat: list, turns: list, chosen: list[str]):
        chat, turns = list(chat or []), list(turns or [])
        chat += [{"role": "user", "content": as_text(message or "")}, {"role": "assistant", "content": ""}]
        text = ""
        try:
            for item in assistant.stream(message or "", turns, sources=chosen or None):
                if isinstance(item, str):
                    text += item
                    chat[-1]["content"] = as_text(text)
                    yield chat, "", gr.skip(), gr.skip(), turns
                else:
                    chat[-1]["content"] = answer_markdown(item)
                    turns = turns + [{"role": "user", "content": message}, {"role": "assistant", "content": item.text}]
                    yield chat, "", sources_html(item, documents(), cards()), status_markdown(item), turns
        except StudyQAError as exc:
            chat[-1]["content"] = f"\u26a0\ufe0f {as_text(str(exc))}"
            yield chat, message, gr.skip(), gr.skip(), turns

    def add_files(files: list[str] | None, progress=gr.Progress(track_tqdm=True)):
        result = accept_uploads([Path(f) for f in files or []], assistant.settings)
        lines = [f"\u274c {as_text(name)}: {as_text(reason)}" for name, reason in result.rejected]
        if result.saved:
            progress(0.05, desc="Indexing")
            try:
                report = assistant.index(progress=True)
                lines.insert(0, f"\u2705 Added {len(result.saved)} file(s). {as_text(report.summary())}")
                lines += [f"\u26a0\ufe0f skipped {as_text(Path(p).name)}: {as_text(r)}" for p, r in report.skipped]
            except StudyQAError as exc:
                lines.insert(0, f"\u26a0\ufe0f {as_text(str(exc))}")
        elif not result.rejected:
            lines.append("Choose .txt, .md, .html or .pdf files first.")
        return "  \n".join(lines), gr.update(choices=study_choices()), library()

    def answer_api(question: str, sources: list[str] | None = None) -> dict:
        """The answer with its citations and passages as structured data."""
        try:
            return assistant.answer(question, sources=sources or None).to_dict()
        except StudyQAError as exc:
            raise gr.Error(str(exc)) from None

    with gr.Blocks(title="Study Q&A") as app:
        gr.Markdown("# Study Q&A\nAsk about the indexed studies of support for mental-health staff, in English or "
                    "Chinese. Every answer quotes its sources; click a [n] marker or a source to read the passage.")
        turns = gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Conversation", height=480, elem_id="chat", sanitize_html=True)
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask a question…", show_label=False, scale=5, elem_id="question")
                    ask = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                gr.Examples(EXAMPLES, inputs=box, label="Examples")
                status = gr.Markdown(elem_id="status")
                clear = gr.Button("Clear chat", elem_id="clear")
            with gr.Column(scale=2):
                with gr.Tab("Sources"):
                    sources = gr.HTML("<p>Sources of the latest answer appear here.</p>", elem_id="sources")
                with gr.Tab("Library", elem_id="library-tab"):
                    chosen = gr.CheckboxGroup(study_choices(), label="Ask only these studies (none = all)",
                                              elem_id="filter")
                    with gr.Row(elem_id="card-filters"):
                        filters = [gr.Dropdown(filter_choices(cards().values(), name), value="Any",
                                               label=name.replace("_", " ").capitalize(), elem_id=f"filter-{name}")
                                   for name in FILTER_FIELDS]
                    shown = gr.Markdown(f"{len(documents())} of {len(documents())} studies shown.", elem_id="shown")
                    use = gr.Button("Ask only the studies shown", elem_id="use-shown")
                    table = gr.Dataframe(library(), headers=LIBRARY_COLUMNS, interactive=False, wrap=True,
                                         elem_id="library")
                with gr.Tab("Add documents", elem_id="upload-tab"):
                    files = gr.File(file_count="multiple", file_types=[".txt", ".md", ".html", ".htm", ".pdf"],
                                    type="filepath", label=f"Up to {assistant.settings.max_upload_files} files, "
                                    f"{assistant.settings.max_upload_mb} MB each", elem_id="upload")
                    add = gr.Button("Add to the index", elem_id="add")
                    added = gr.Markdown(elem_id="upload-status")

        outputs = [chat, box, sources, status, turns]
        # Several people at once: LLM answers wait on the network, so one slow reply must not block the rest.
        ask.click(respond, [box, chat, turns, chosen], outputs, api_name="chat", concurrency_limit=CONCURRENCY)
        box.submit(respond, [box, chat, turns, chosen], outputs, api_visibility="private", concurrency_limit=CONCURRENCY)
        clear.click(lambda: ([], "", "<p>Sources of the latest answer appear here.</p>", "", []), None, outputs,
                    api_visibility="private")
        add.click(add_files, [files], [added, chosen, table], api_name="add_documents")
        for box_ in filters:
            box_.change(filter_library, filters, [table, shown], api_visibility="private")
        use.click(ask_shown, filters, [chosen], api_visibility="private")
        gr.api(answer_api, api_name="answer", concurrency_limit=CONCURRENCY)
    return app


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """(user, password) from 'user:password', or None when no login is configured."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ConfigError("STUDYQA_AUTH must look like user:password")
    return user, password


def serve(app, host: str, port: int, auth: str | None, share: bool = False, block: bool = True,
          max_file_mb: int | None = None) -> None:
    """Start the app (loopback by default; a public share link only when asked)."""
    try:
        app.launch(server_name=host, server_port=port, share=share, inbrowser=False, show_error=False,
                   auth=parse_auth(auth), css=CSS, prevent_thread_lock=not block, quiet=not block,
                   max_file_size=f"{max_file_mb}mb" if max_file_mb else None)
    except OSError as exc:
        raise ConfigError(f"cannot serve on {host}:{port} ({exc}); choose another --port") from None


def launch(host: str = "127.0.0.1", port: int = 7860, share: bool = False) -> None:
    """Serve the chat on host:port, building or loading the index first."""
    from .api import default_assistant

    assistant = default_assistant()
    _ = assistant.retriever
    serve(build_app(assistant), host, port, assistant.settings.auth, share=share,
          max_file_mb=assistant.settings.max_upload_mb)
