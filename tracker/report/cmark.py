"""GitHub-flavoured Markdown to HTML by cmark-gfm, GitHub's C CommonMark, freeing what it makes.

The cmarkgfm package ships cmark-gfm built for every platform and Python version, but its
Python functions never free the document tree nor the HTML they get back from C (its issue
#53): about 13 kB a call, 750 MB for a report at OGP scale. So the same library is called here
through its public C API, by ctypes, and each document and each HTML string is freed with the
allocator cmark-gfm itself used.
"""

from __future__ import annotations

import ctypes
from ctypes import c_char_p, c_int, c_size_t, c_void_p
from importlib.util import find_spec

from cmarkgfm.cmark import Options

# Raw HTML is let through, as on GitLab (the caller sanitises it); footnotes ([^1]) as France's
# plans write them. "autolink" links bare addresses (http, https, www., e-mail) as GitLab does.
OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES
EXTENSIONS = (b"table", b"strikethrough", b"autolink")


class _Allocator(ctypes.Structure):
    """cmark_mem: the allocator the library allocated the tree and the HTML with."""

    _fields_ = [("calloc", c_void_p), ("realloc", c_void_p),
                ("free", ctypes.CFUNCTYPE(None, c_void_p))]


def _load() -> ctypes.CDLL:
    spec = find_spec("cmarkgfm._cmark")
    if spec is None or spec.origin is None:
        raise ImportError("cmarkgfm is installed without its compiled cmark-gfm library")
    lib = ctypes.CDLL(spec.origin)
    for name, result, arguments in (
        ("cmark_gfm_core_extensions_ensure_registered", None, []),
        ("cmark_find_syntax_extension", c_void_p, [c_char_p]),
        ("cmark_get_default_mem_allocator", ctypes.POINTER(_Allocator), []),
        ("cmark_parser_new", c_void_p, [c_int]),
        ("cmark_parser_attach_syntax_extension", c_int, [c_void_p, c_void_p]),
        ("cmark_parser_feed", None, [c_void_p, c_char_p, c_size_t]),
        ("cmark_parser_finish", c_void_p, [c_void_p]),
        ("cmark_parser_get_syntax_extensions", c_void_p, [c_void_p]),
        # c_void_p, not c_char_p: ctypes would copy a char* into bytes and lose the pointer
        # that must be freed.
        ("cmark_render_html", c_void_p, [c_void_p, c_int, c_void_p]),
        ("cmark_node_free", None, [c_void_p]),
        ("cmark_parser_free", None, [c_void_p]),
    ):
        function = getattr(lib, name)
        function.restype = result
        function.argtypes = arguments
    lib.cmark_gfm_core_extensions_ensure_registered()
    return lib


_LIB = _load()
_FREE = _LIB.cmark_get_default_mem_allocator().contents.free
_EXTENSIONS = tuple(_LIB.cmark_find_syntax_extension(name) for name in EXTENSIONS)
if not all(_EXTENSIONS):
    raise ImportError(f"cmark-gfm lacks one of the extensions {EXTENSIONS}")


def to_html(text: str) -> str:
    """The HTML cmark-gfm renders for ``text`` (raw HTML included: sanitise it after)."""
    data = text.encode("utf-8")
    parser = _LIB.cmark_parser_new(OPTIONS)
    try:
        for extension in _EXTENSIONS:
            _LIB.cmark_parser_attach_syntax_extension(parser, extension)
        _LIB.cmark_parser_feed(parser, data, len(data))
        document = _LIB.cmark_parser_finish(parser)
        try:
            html = _LIB.cmark_render_html(
                document, OPTIONS, _LIB.cmark_parser_get_syntax_extensions(parser))
            try:
                return ctypes.string_at(html).decode("utf-8")
            finally:
                _FREE(html)
        finally:
            _LIB.cmark_node_free(document)
    finally:
        _LIB.cmark_parser_free(parser)
