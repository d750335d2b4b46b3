"""Text that every stage reads alike: language and matching form, sentences, numbers by
value, the names a question asks about, question checks, and the one parser of citation
markers ([1], [2.3])."""
