"""Report build: executed chapter notebooks -> HTML, PDF (WeasyPrint) and DOCX (pandoc)."""
