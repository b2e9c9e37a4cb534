"""The mutants of `bench/mutation.py` excused from the adjusted score, each with why.

Kept apart from the runner because it grows with every package measured: equivalent
mutants (no behaviour can tell them apart from the code) and functions mutmut cannot
measure. mutmut numbers mutants per function in source order: after an edit, check
the names again (docs/MUTATION.md lists the survivors with their names).
"""

from __future__ import annotations

#: Mutants examined by hand and found equivalent (no behaviour can tell them apart),
#: with why. They count as survivors in the raw score; the adjusted score leaves them out.
#: mutmut numbers mutants per function in source order: after an edit, check the names again.
_DEFAULTS = "n=3 and cutoff=0.6 are difflib.get_close_matches's own defaults"
_NAIVE_FOLD = (
    "fold on a naive wall time changes neither equality, hashing, arithmetic (whose "
    "result has fold=0) nor formatting, and to_instant resets it"
)
EQUIVALENT: dict[str, str] = {
    "reconciler.engine.diff.x_plain__mutmut_5": "ensure_ascii=None is falsy, as False",
    "reconciler.engine.diff.x__order__mutmut_5": "only the first part of the split is used",
    "reconciler.engine.diff.x__order__mutmut_8": "only the first part of the split is used",
    "reconciler.engine.diff.x_field_changes__mutmut_6": "ignore_order=None is falsy, as False",
    "reconciler.engine.diff.x_field_changes__mutmut_10": "ignore_order defaults to False",
    "reconciler.engine.diff.x_field_changes__mutmut_49": "_MISSING is None",
    "reconciler.engine.diff.x_field_changes__mutmut_65": "_MISSING is None",
    "reconciler.engine.plan.x__compare__mutmut_13": (
        "None and () are both falsy, and the action returns right after"
    ),
    "reconciler.engine.plan.x__orphan__mutmut_1": "every caller passes gone=; default unused",
    "reconciler.engine.preflight.x_resolve_test_plan_name__mutmut_12": (
        "_plan_label does not use its name argument"
    ),
    "reconciler.engine.preflight.x__favourite_problem__mutmut_48": _DEFAULTS,
    "reconciler.engine.preflight.x__favourite_problem__mutmut_49": _DEFAULTS,
    "reconciler.engine.preflight.x__close_plans__mutmut_13": _DEFAULTS,
    "reconciler.engine.preflight.x__close_plans__mutmut_14": _DEFAULTS,
    "reconciler.engine.preflight.x__typo_distance__mutmut_1": (
        "previous2 is assigned before it is first read (i > 1)"
    ),
    "reconciler.engine.preflight.x__typo_distance__mutmut_6": "the extra last cell is never read",
    "reconciler.engine.preflight.x__typo_distance__mutmut_17": (
        "every cell after the first is written before it is read"
    ),
    **{
        f"reconciler.engine.calendar.x_collision_warnings__mutmut_{n}": (
            "firings_of drops every schedule that is not ACTIVE again"
        )
        for n in (3, 4, 6, 7, 8, 9, 10)
    },
    **{
        f"reconciler.engine.renames.x_targeted__mutmut_{n}": (
            "None is never a target name, and a name not renamed was checked just before"
        )
        for n in (4, 5, 6)
    },
    "reconciler.timekeeping.parse.x__checked_wall__mutmut_64": (
        'without a fraction, int("".ljust(3, "0")) is 0 too'
    ),
    "reconciler.timekeeping.parse.x_parse_next_interval__mutmut_13": (
        "_reject_gap does not use its value argument"
    ),
    "reconciler.timekeeping.parse.x_parse_next_interval__mutmut_50": _NAIVE_FOLD,
    **{f"reconciler.timekeeping.parse.x__fold_warnings__mutmut_{n}": _NAIVE_FOLD for n in (11, 12)},
    "reconciler.timekeeping.parse.x__fold_warnings__mutmut_10": (
        "both callers pass a naive wall time: tzinfo is None already"
    ),
    "reconciler.timekeeping.recurrence.x__add_days_keeping_offset__mutmut_11": _NAIVE_FOLD,
    "reconciler.timekeeping.recurrence.x__add_days_keeping_offset__mutmut_18": (
        "new is never None (an aware UTC instant in a zone has an offset), and when it "
        "equals old the correction adds nothing and returns moved"
    ),
    **{
        f"reconciler.timekeeping.describe.x__ordinal__mutmut_{n}": (
            "days of month are 1-31: % 101 is % 100, and the 14th is 'th' either way"
        )
        for n in (9, 11)
    },
    **{
        f"reconciler.timekeeping.recurrence.x_advance__mutmut_{n}": (
            "to_instant ignores fold (a fold takes the later instant), and add_months keeps it"
        )
        for n in (31, 59, 69)
    },
    "reconciler.timekeeping.recurrence.x_add_period__mutmut_6": (
        "without fold=f both offsets are the wall's own fold's, which is the one preferred"
    ),
    "reconciler.timekeeping.sync.x__possible_days__mutmut_3": (
        "the first month's length (at most 31) always replaces the start value"
    ),
    "reconciler.timekeeping.sync.x__shortest_month__mutmut_2": (
        "count is at least 1, so the first month's length always replaces the start value"
    ),
    **{
        f"reconciler.timekeeping.zones.x_suggest_zone__mutmut_{n}": (
            "only the last part of the split is used, the same for any maxsplit"
        )
        for n in (22, 25, 54, 57)
    },
    **{
        f"reconciler.timekeeping.zones.x_suggest_zone__mutmut_{n}": (
            "get_close_matches lists the best match first: n only limits how many follow"
        )
        for n in (36, 39, 49, 61)
    },
    **{
        f"reconciler.spec.desired.xǁ_Collectedǁzone__mutmut_{n}": (
            "the zone cache only saves time: without it a zone is resolved again, alike"
        )
        for n in (1, 2, 14)
    },
    "reconciler.spec.desired.x__value_location__mutmut_1": (
        "a key whose value is null never gets here (a null timezone returns before), and an "
        "absent key has no position, so the next mapping is asked either way"
    ),
    "reconciler.spec.desired.x__validate__mutmut_10": (
        "translate reads loc, type, input, ctx and msg: the url is never shown"
    ),
    "reconciler.spec.desired.x__validate__mutmut_35": (
        "'' is falsy, as None, wherever defaults is read"
    ),
    "reconciler.spec.desired.x__validate__mutmut_46": "None is falsy, as False",
    **{
        f"reconciler.spec.loader.x__tab_at__mutmut_{n}": ("more splits leave lines[line] the same")
        for n in (5, 9)
    },
    **{
        f"reconciler.spec.desired.x__by_place__mutmut_{n}": (
            "every problem found in a file has a line and a column (only the loader's "
            "unreachable fallbacks make one without)"
        )
        for n in (2, 3, 4)
    },
    "reconciler.spec.desired.x__read__mutmut_122": (
        "`to` is required, so a valid entry always has its position recorded"
    ),
    "reconciler.spec.loader.xǁ_Refusedǁ__init____mutmut_1": (
        "the refusal is read from .message and .pos, never from str()"
    ),
    "reconciler.spec.fields.x__in_bmp__mutmut_6": (
        "U+FFFF never reaches it: the loader refuses U+FFFE and U+FFFF as not printable"
    ),
    **{
        f"reconciler.spec.loader.xǁ_PureParserǁ__init____mutmut_{n}": (
            "every ruamel parser gives this builder the same events; the fallback test "
            "compares the data loaded"
        )
        for n in (3, 4, 5, 6, 9)
    },
    "reconciler.spec.loader.xǁ_PureParserǁget_event__mutmut_3": (
        "a StopIteration from the callable ends iter(callable, None) as the sentinel does"
    ),
    **{f"reconciler.spec.loader.x__line_col__mutmut_{n}": "a start of None is 0" for n in (4, 16)},
    **{
        f"reconciler.spec.messages.x_describe__mutmut_{n}": "ensure_ascii=None is falsy, as False"
        for n in (21, 30)
    },
    "reconciler.spec.loader.x__check_text__mutmut_17": "Python's codec names ignore case",
    **{
        f"reconciler.spec.loader.x__check_text__mutmut_{n}": "a start of None is 0"
        for n in (21, 34)
    },
    **{
        f"reconciler.spec.loader.x__resolve_plain__mutmut_{n}": (
            "only .inf and .nan get here, each with a single dot"
        )
        for n in (29, 32)
    },
    "reconciler.spec.messages.x_suggest__mutmut_3": (
        "difflib finds the exact lowercase match anyway (ratio 1.0)"
    ),
    **{f"reconciler.spec.messages.x_suggest__mutmut_{n}": _DEFAULTS for n in (13, 14)},
    "reconciler.spec.messages.x_suggest__mutmut_17": (
        "get_close_matches lists the best match first: n only limits how many follow"
    ),
    "reconciler.spec.messages.x_locate__mutmut_1": (
        "the default is used only for a missing key, whose container path ends at a list "
        "index (every model with a required key is a list item)"
    ),
    **{
        f"reconciler.spec.messages.x_locate__mutmut_{n}": (
            "data is the loaded document, whose position is always recorded, and every "
            "loc pydantic reports starts with a key written in it"
        )
        for n in (2, 3, 4, 5, 6)
    },
    **{
        f"reconciler.spec.messages.x_locate__mutmut_{n}": (
            "every step of a pydantic loc is a key or index present in the data (aliases are "
            "the keys as written; nullable fields add no union step); the fuzz tests agree"
        )
        for n in (9, 10, 37, 38, 41, 49)
    },
    **{
        f"reconciler.spec.messages.x__allowed__mutmut_{n}": (
            "_container_context returns a key of ALLOWED_KEYS (None included): no default"
        )
        for n in (2, 4)
    },
    **{
        f"reconciler.spec.messages.x__unknown_key__mutmut_{n}": (
            "_CONTEXT_NAMES names every context _container_context returns: no default"
        )
        for n in (17, 19, 20, 21)
    },
    **{
        f"reconciler.spec.messages.x__message__mutmut_{n}": (
            "pydantic always gives a value_error its ctx error"
        )
        for n in (46, 48)
    },
    **{
        f"reconciler.spec.messages.x__message__mutmut_{n}": (
            "str_type is pydantic 1's name; pydantic 2 reports string_type"
        )
        for n in (56, 57)
    },
    **{
        f"reconciler.spec.messages.x__message__mutmut_{n}": (
            "model_attributes_type needs from_attributes, which no model sets"
        )
        for n in (69, 70)
    },
    **{
        f"reconciler.spec.messages.x__message__mutmut_{n}": (
            "string_too_long's input is always text"
        )
        for n in (82, 83)
    },
    **{
        f"reconciler.spec.schema.x_json_schema__mutmut_{n}": (
            "by_alias=True and mode='validation' are pydantic's own defaults"
        )
        for n in (2, 4, 5)
    },
    **{
        f"reconciler.engine.planfile.x__canonical__mutmut_{n}": (
            "the canonical text is only compared with itself: any fixed spacing or escaping "
            "signs and verifies alike"
        )
        for n in (3, 4, 7, 8, 10, 11)
    },
}

#: Functions whose mutants mutmut cannot switch on: they run once, when their module is
#: imported (building the pydantic models and their JSON Schema), before mutmut activates
#: a mutant in an already-imported process. They are not unguarded: the test named
#: fails on a hand-made change of the kind (checked by hand). Left out of the adjusted
#: score like equivalents, and listed once per function.
_SCHEMA_GUARD = (
    "runs at import, building the models: tests/spec/test_schema.py compares the generated "
    "schema (every title, description, example, default) with the committed file"
)
UNMEASURABLE: dict[str, str] = {
    **{
        f"reconciler.spec.fields.x_{name}": _SCHEMA_GUARD
        for name in (
            "comments_field",
            "execution_config_field",
            "execution_id_field",
            "name_field",
            "status_field",
            "test_plan_field",
            "timezone_field",
        )
    },
    "reconciler.spec.messages.x__keys": (
        "runs at import, building ALLOWED_KEYS: tests/spec/test_desired.py's unknown-key "
        "hints and lists fail when it is wrong"
    ),
}


def excused(name: str) -> tuple[str, str] | None:
    """(kind, why) for a mutant marked equivalent or unmeasurable, else None."""
    if name in EQUIVALENT:
        return "equivalent", EQUIVALENT[name]
    function = name.rsplit("__mutmut_", 1)[0]
    if function in UNMEASURABLE:
        return "unmeasurable", UNMEASURABLE[function]
    return None
