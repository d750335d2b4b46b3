"""Stage 5, the citations: the one marker parser (markers), and the check that every cited
paragraph backs its sentence: claims and evidence worked out once per answer (claims,
evidence), named rules in ordered lists (rules), one table of thresholds (thresholds), run
by verify; locate turns a checked sentence into character offsets."""
