"""BIMI: the assertion record, the DMARC gate, the SVG Tiny PS logo and the mark certificate."""
