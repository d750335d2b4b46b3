"""Text that every stage reads alike: language and matching form, sentences, numbers by
value, the names a question asks about, and question checks."""
