"""Stage 5, the citations: the check that every cited paragraph backs its sentence: claims
and evidence worked out once per answer (claims, evidence), named rules in ordered lists
(rules) with their thresholds (rag.settings.citations), run by verify; locate turns a
checked sentence into character offsets. The answer stage calls it, so it sits below it."""
