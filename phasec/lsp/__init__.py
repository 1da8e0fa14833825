"""The phasec language server: ``phasec lsp`` (see docs/editors.md).

``server`` wires pygls to the feature modules; each feature module is a pure
function of a :class:`~phasec.lsp.analysis.Snapshot` (one analysed version of
a document) and the request:

* ``positions`` — code points (phasec spans) <-> LSP code units (UTF-16 ...);
* ``index`` — declarations and references of every kind of id, with spans;
* ``diagnostics`` — phasec diagnostics as LSP diagnostics;
* ``hover``, ``navigation`` (definition, references, highlights, rename),
  ``symbols``, ``completion``, ``actions`` (fixes and suppressions).
"""
