"""Know your diaspora: aggregate skills maps with small counts suppressed."""
