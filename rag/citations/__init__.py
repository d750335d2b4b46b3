"""Stage 5, the citations: the one marker parser (markers) and the checks that every cited
paragraph backs its sentence (verify, subject_checks)."""
