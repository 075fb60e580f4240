"""The narration plan, below every renderer: what is spoken, in which sentences, under which ids.

``sentences`` is the sentence model (the spoken form of a segment, its sentences, their cue ids
and the spans that carry those ids in the page and the EPUB); ``script`` is what a listener
hears of an edition, in order. The page, the EPUB, the PDF and the narration all read these,
so a sentence has one id everywhere.
"""
