"""The compiled actor index: one per actor list, never a stale one, and never an unbounded cache."""

from __future__ import annotations

from monitor.detect import speaker as sp
from monitor.detect.resources import load_actors
from monitor.detect.segment import segment_text


def test_the_compiled_actor_index_cache_stays_small_and_follows_the_list() -> None:
    seg = segment_text("Lavrov said NATO must not expand.")[0]
    for k in range(20):  # a new actor list each time, as a reloaded configuration gives
        actors = load_actors([{"name": f"Person {k}", "side": "west"}], "test")
        assert not [m for m in sp.find_mentions(seg, actors) if m.known]
        assert len(sp._INDEX_CACHE) <= sp._INDEX_CACHE_SIZE
    lavrov = load_actors([{"name": "Sergei Lavrov", "aliases": ["Lavrov"], "side": "russia"}], "test")
    assert [m.name for m in sp.find_mentions(seg, lavrov) if m.known] == ["Sergei Lavrov"]


def test_a_role_resolves_to_the_holder_in_the_actor_list_in_use() -> None:
    from monitor.detect.match import quote_states

    segs = segment_text("The secretary general said NATO's door stays open.")
    old = load_actors([{"name": "Jens Stoltenberg", "roles": ["secretary general"], "side": "west"}], "old")
    new = load_actors([{"name": "Mark Rutte", "roles": ["secretary general"], "side": "west"}], "new")
    for actors, holder in ((old, "Jens Stoltenberg"), (new, "Mark Rutte"), (old, "Jens Stoltenberg")):
        mentions = [sp.find_mentions(seg, actors) for seg in segs]
        speakers = sp.find_speakers(segs, actors, quote_states(segs), mentions)
        assert speakers[0] is not None and speakers[0].name == holder
