"""venvy.nl.runtime.grounding: free-text values are spans of the request; what a command
leaves out of the request is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from venvy.nl.runtime.coverage import ignored
from venvy.nl.runtime.grounding import Grounder, values

ROOT = Path(__file__).resolve().parents[3]


def test_values_of_partial_answers():
    assert values("create --name back") == [("NAME", "back")]
    assert values("create --name backend --python 3.1") == [("NAME", "backend"), ("VERSION", "3.1")]
    assert values("create --packages requests,ri") == [("LIST", "requests,ri")]
    assert values("rm old --keep-files") == [("NAME", "old")]
    assert values("register ./env --name web") == [("PATH", "./env"), ("NAME", "web")]
    assert values("cleanup --dry-run") == []
    assert values("none") == []
    assert values("cre") == []


def test_grounder_accepts_spans_and_refuses_made_up_text():
    g = Grounder("Make a venv called Backend at ~/work/x with requests and rich")
    assert g.ok("create --name backend")  # case does not matter
    assert g.ok("create --name Back")  # an unfinished value
    assert g.ok("create --path ~/work/x --packages requests,rich")
    assert g.ok("create --packages requests,")  # the next package not started yet
    assert not g.ok("create --name backend-api")
    assert not g.ok("create --packages requests,numpy")
    assert not g.ok("create --path ~/work/y")
    assert not g.ok("create --python 3.11")  # no version stated
    assert not g.ok("create --python")  # nor an option that takes one


def test_values_start_and_end_where_words_of_the_request_do():
    g = Grounder("new env at ../backend/venv with orjson and aiohttp==3.9.5, named my.env")
    assert g.ok("create --packages orjson,aiohttp==3.9.5", done=True)
    assert not g.ok("create --packages json", done=True)  # inside "orjson"
    assert not g.ok("create --packages iohttp==3.9.5", done=True)
    assert g.ok("create --packages or")  # still growing: the start of "orjson"
    assert not g.ok("create --packages or", done=True)
    assert not g.ok("create --name backend", done=True)  # a folder inside a path
    assert g.ok("create --path ../backend/venv", done=True)
    assert not g.ok("create --path ..", done=True)  # a path cut short
    assert g.ok("create --name my.env", done=True)
    assert not g.ok("create --name my", done=True)
    end = Grounder("a venv for project ~/Projects/2024/. and one inside services/api/.venv/.")
    assert end.ok("register --project ~/Projects/2024", done=True)  # "/." ends the sentence
    assert end.ok("create --path services/api/.venv", done=True)
    assert not end.ok("create --path services/api/", done=True)  # "/.venv" goes on


def test_a_requirements_file_reads_as_a_file():
    g = Grounder("env with pytest from reqs.txt")
    assert g.ok("create --requirements reqs.txt", done=True)
    assert g.ok("create --requirements req")  # growing into "reqs.txt"
    assert not g.ok("create --requirements pytest", done=True)
    assert not g.ok("create --requirements py")  # "pytest" is no file
    nofile = Grounder("env with pytest and aiohttp==3.9.5")
    assert not nofile.ok("create --requirements")  # no file named: not even the option
    assert not nofile.ok("create --packages 3.9.5", done=True)  # inside a pin
    # after --packages the grammar's canonical order leaves only --requirements: not even "--"
    assert not nofile.ok("create --packages pytest --")
    assert not nofile.ok("create --packages pytest ")  # the space can only lead to --requirements
    assert nofile.ok("create --name pytest --")  # --python, --path, --packages can still follow


@pytest.mark.parametrize(
    "option, request_text, allowed, refused",
    [
        ("create --python", "env on python 3.12", ["3.12"], ["3.1", "3"]),
        ("create --python", "env on Python3.10.12", ["3.10.12"], ["3.10"]),
        ("create --python", "new env on py312", ["3.12"], ["3.1"]),
        ("create --python", "conda create -n x python=3.9", ["3.9"], []),
        ("create --python", "env with django~=4.2 and aiohttp==3.9.5", [], ["4.2", "3.9.5"]),  # pinned packages
        ("create --python", "env at /usr/local/venvs/py312", [], ["3.12"]),  # a path
        ("create --python", "env on python 3", ["3"], ["3.12"]),
        ("cleanup --days", "remove envs not touched in 9 months", ["270"], ["9", "180", "90"]),  # "9" counts months
        ("cleanup --days", "trash envs older than 2 years", ["730"], ["120"]),
        ("cleanup --days", "clean up envs idle longer than three weeks", ["21"], ["3", "14"]),
        ("cleanup --days", "purge old envs --days 60", ["60"], ["6", "30"]),
        # "two and a half weeks" had read as "a half weeks" (3 days): a deletion of far more venvs
        ("cleanup --days", "delete envs idle for two and a half weeks", ["17"], ["3"]),
        ("cleanup --days", "prune envs unused 30+ days", ["30"], ["3"]),
        # compound number words had read as their parts ("twenty one days": 1 or 20; a cleanup of
        # nearly everything at --days 1), a decimal as its last digit ("1.5 months": 150)
        ("cleanup --days", "remove envs idle for twenty one days", ["21"], ["1", "20"]),
        ("cleanup --days", "remove envs idle for forty five days", ["45"], ["40", "5"]),
        ("cleanup --days", "remove envs idle for two hundred days", ["200"], ["2", "100"]),
        ("cleanup --days", "remove envs idle for one hundred and twenty days", ["120"], ["1", "20", "100"]),
        ("cleanup --days", "remove envs idle for 1.5 months", ["45"], ["1", "5", "150"]),
        ("cleanup --days", "remove envs unused for a quarter", ["90"], []),
        ("cleanup --days", "remove envs unused for a couple of weeks", ["14"], ["2"]),
        ("cleanup --days", "remove envs not used for a whole week", ["7"], []),
        ("cleanup --days", "prune envs idle 2w", ["14"], ["2"]),
        ("cleanup --days", "prune envs idle 6m", ["180"], ["6"]),
    ],
)
def test_a_version_or_count_is_one_the_request_states(option, request_text, allowed, refused):
    g = Grounder(request_text)
    for value in allowed:
        assert g.ok(f"{option} {value}", done=True), value
        assert g.ok(f"{option} {value[0]}"), value  # still growing
    for value in refused:
        assert not g.ok(f"{option} {value}", done=True), value


def test_no_count_stated_no_option_that_takes_one():
    g = Grounder("remove my old envs")
    assert not g.ok("cleanup --days")
    assert g.ok("cleanup --d")  # may still become --dry-run
    assert not Grounder("scan my home folder").ok("scan --home --depth")
    assert Grounder("scan my home folder seven deep").ok("scan --home --depth 7", done=True)


@pytest.mark.parametrize(
    "request_text, command, expected",
    [
        ("create an env named ml with python 3.10", "venvy create --name ml", ["python 3.10"]),
        ("create an env named ml with python 3.10", "venvy create --name ml --python 3.10", []),
        ("new env on py312", "venvy create --python 3.12", []),
        ("new env from requirements.txt", "venvy create", ["requirements.txt"]),
        ("make a venv at ~/work/x/.venv/ with requests", "venvy create --path ~/work/x/.venv --packages requests", []),
        ("make a venv at ~/work/x/.venv", "venvy create", ["~/work/x/.venv"]),
        ("env with django==5.0.6.", "venvy create --packages django==5.0.6", []),
        ("env with django==5.0.6.", "venvy create --packages django", ["django==5.0.6"]),
        ("remove envs idle for two weeks", "venvy cleanup", ["two weeks"]),
        ("remove envs idle for two weeks", "venvy cleanup --days 14", []),
        ("remove envs idle for three days", "venvy cleanup --days 30", ["three days"]),  # a wrong count
        ("remove envs idle for a month and a half", "venvy cleanup --days 45", []),
        ("remove envs idle for forty-five days", "venvy cleanup --days 45", []),
        ("remove envs idle for half a year", "venvy cleanup --days 180", []),
        ("remove envs idle for 12 months", "venvy cleanup --days 365", []),
        ("remove envs older than 90 days", "venvy cleanup", []),  # 90 is the default: canonical leaves it out
        ("scan my home seven deep", "venvy scan --home", ["seven"]),
        ("scan my home seven deep", "venvy scan --home --depth 7", []),
        ("the hook for powershell 7", "venvy shell-hook --shell powershell", []),  # no count to take
        ("delete 'old-api' now", "venvy rm old-api", []),
        ("delete 'old-api' now", "venvy rm api", ["old-api"]),
        ("let's call it 'dev' pls", "venvy register --name dev", []),  # an apostrophe is not a quote
        ("find everything under ~", "venvy scan --home", []),
        ("scan ~/projects 5 levels deep", "venvy scan --path ~/projects --depth 5", []),
        ("list my venvs", None, []),
        ("see https://example.com/x and list my venvs", "venvy ls", []),
        # a name after a naming word, a package a label introduces (session 10)
        ("Create a venv. Name: geo. Packages: geopandas, shapely.", "venvy create --name geo",
         ["geopandas", "shapely"]),
        ("Create a venv. Name: geo. Packages: geopandas, shapely.",
         "venvy create --name geo --packages geopandas,shapely", []),
        ("new env called web, install streamlit", "venvy create --packages streamlit", ["web"]),
        ("delete the env called scratch", "venvy rm sandbox", ["scratch"]),
        ("delete the env called scratch", "venvy rm scratch", []),
        ("install flask into the venv called web", "venvy ls", []),  # ls takes neither
    ],
)
def test_ignored_spans(request_text, command, expected):
    assert ignored(command, request_text) == expected


def test_open_options_follow_the_canonical_order():
    from venvy.nl.runtime.coverage import open_options

    assert open_options("create --name ml", ["version", "file"]) == [" --python ", " --requirements "]
    assert open_options("create --name ml --path x", ["version"]) == []  # --python comes before --path
    assert open_options("ls --sort size", ["version"]) == [" --python "]
    assert open_options("cleanup --dry-run", ["duration"]) == []
    assert open_options("cleanup", ["duration"]) == [" --days "]
    assert open_options("current", ["path"]) == []


def test_missing_options_go_where_canonical_order_puts_them():
    from venvy.nl.runtime.coverage import missing_options

    answer = "create --name MyApp --requirements req.txt"
    assert missing_options(answer, ["pinned"]) == (answer.index(" --requirements"), [" --packages "])
    assert missing_options(answer, ["version"]) == (answer.index(" --requirements"), [" --python "])
    assert missing_options("create --name x", ["version"]) == (len("create --name x"), [" --python "])
    assert missing_options("create --packages a --requirements r.txt", ["pinned"]) == (40, [])  # used already


def test_an_answer_that_leaves_a_value_out_must_go_on_with_an_option_that_takes_it():
    g = Grounder("create an env named ml with python 3.10")
    assert g.must_go_on("create --name ml") == len("create --name ml")
    assert g.pending == [" --python "]
    assert not g.allows("create --name ml", "", end=True)  # the end is not allowed now
    assert not g.allows("create --name ml", " --path", end=False)
    assert g.allows("create --name ml", " --", end=False)
    assert g.allows("create --name ml --", "python", end=False)
    g.advance("create --name ml --python ")
    assert g.pending == []
    assert g.allows("create --name ml --python 3.10", "", end=True)
    assert g.must_go_on("create --name ml --python 3.10") is None  # nothing left out
    back = Grounder("env ml on python 3.10 from req.txt")
    assert back.must_go_on("create --name ml --requirements req.txt") == len("create --name ml")
    assert back.pending == [" --python "] and back.base == "create --name ml"


def test_completion_stops_where_no_option_can_take_the_value():
    g = Grounder("list my venvs, I am in ~/code/app")
    assert g.must_go_on("ls") is None  # ls has no option for a path
    spaced = Grounder('register "/Users/me/Side Projects/app/.venv"')
    assert spaced.must_go_on("register --project /Users/me/Side") is None  # no value can hold a space
    off = Grounder("create an env named ml with python 3.10", complete=False)
    assert off.must_go_on("create --name ml") is None


def _dataset_rows():
    for split in ("train", "val"):
        for line in (ROOT / "data" / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["output"] and row["output"] != "none":
                yield row["input"], row["output"]


def test_every_dataset_value_is_grounded_and_every_stated_value_is_used():
    """The grounding rule never blocks a right answer of the dataset, and the coverage check
    never flags one (train and val: the rows the rules were written against)."""
    ungrounded, flagged, n = [], [], 0
    for request_text, command in _dataset_rows():
        n += 1
        answer, grounder = command.removeprefix("venvy "), Grounder(request_text)
        # every prefix, as decoding meets it, then the whole answer
        if not all(grounder.ok(answer[:i]) for i in range(1, len(answer))) or not grounder.ok(answer, done=True):
            ungrounded.append((request_text, command))
        if ignored(command, request_text):
            flagged.append((request_text, command, ignored(command, request_text)))
    assert n > 3000
    assert ungrounded == []
    assert flagged == []


# --------------------------------------------------------------------------
# With the shipped model
# --------------------------------------------------------------------------


@pytest.mark.slow
def test_the_shipped_model_writes_only_grounded_values():
    """With grounding on, every free-text value the model writes is in the request, and the
    result says which value-like spans the command left out."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install -e '.[nl]')")
    from venvy.nl.runtime.agent import VenvyNLAgent

    agent = VenvyNLAgent(n_threads=1)
    requests = [
        "info on my project please",
        "create a python 3.11 venv named backend",
        "make a venv at ~/work/x/.venv with requests and rich",
        "register the venv in ./env as web",
        "delete the environment i made for the scraper",
        "new env for the data team",
    ]
    for text in requests:
        result = agent.parse(text)
        if result.command:
            assert Grounder(text).ok(result.command.removeprefix("venvy "), done=True), (text, result.command)
            assert result.ignored == tuple(ignored(result.command, result.request))


@pytest.mark.slow
def test_with_completion_no_stated_value_is_left_out_that_an_unused_option_could_take():
    """After completion (and going back), the answer leaves no span of the request out that an
    unused option of its command takes. Without completion the same model does on some of
    these requests; when it no longer does, the test skips, since it would show nothing."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install -e '.[nl]')")
    from venvy.nl.runtime.agent import VenvyNLAgent
    from venvy.nl.runtime.coverage import ignored_spans, missing_options

    requests = [
        "create an env from requirements.txt named ml with python 3.10",
        "Initialize an env called MyApp on top of python3.8.10 -r requirements/dev.txt and also langchain & django~=4.2",
        "make a venv named api at ~/work/api/.venv using py312",
        "show my venvs on python 3.12 as json",
        "remove envs idle for two weeks, just a preview",
        "register ./env as 'web' for the project ~/code/web",
        "make env web from requirements.txt with flask==3.0 on python 3.12",
        # session 11's model leaves these out without completion (val and dev requests): a keep
        # intent, a preview, a labelled package
        "i'd like to trash the go vnev no prompts only forget it for me",
        "Get rid of old environments pretend --days 5",
        'create "streamlit-app" venv, install streamlit',
    ]

    def left_out(agent) -> list[str]:
        found = []
        for text in requests:
            result = agent.parse(text)
            if result.command:
                answer = result.command.removeprefix("venvy ")
                sorts = sorted({sort for sort, _ in ignored_spans(result.command, result.request)})
                if missing_options(answer, sorts)[1]:
                    found.append(f"{text!r} -> {result.command}")
        return found

    agent = VenvyNLAgent(n_threads=1)
    agent.completion = False
    if not left_out(agent):
        pytest.skip("this model leaves no stated value out even without completion: the requests show nothing")
    agent.completion = True
    assert left_out(agent) == []


# --------------------------------------------------------------------------
# The flags that decide whether files are lost (venvy.nl.runtime.intents)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_text, command, expected",
    [
        ("clear out envs older than 5 days dry run?", "venvy cleanup --days 5", ["dry run"]),
        ("clear out envs older than 5 days dry run?", "venvy cleanup --days 5 --dry-run", []),
        ("delete the MyApp venv only forget it", "venvy rm MyApp", ["forget"]),
        ("delete the MyApp venv only forget it", "venvy rm MyApp --keep-files", []),
        ("delete forget-me", "venvy rm forget-me", []),  # inside the name: the name
        ("delete 'preview' now", "venvy rm preview", []),  # rm has no --dry-run
    ],
)
def test_a_stated_preview_or_keep_intent_the_command_leaves_out_is_ignored(request_text, command, expected):
    assert ignored(command, request_text) == expected


def test_an_answer_that_leaves_a_preview_out_must_go_on_with_the_flag():
    g = Grounder("get rid of old environments pretend --days 5")
    assert g.must_go_on("cleanup --days 5") == len("cleanup --days 5")
    assert g.pending == [" --dry-run"]
    assert not g.allows("cleanup --days 5", "", end=True)
    g.advance("cleanup --days 5 --dry-run")
    assert g.pending == [] and g.allows("cleanup --days 5 --dry-run", "", end=True)
    keep = Grounder("remove the DataPipeline env only forget it")
    assert keep.must_go_on("rm DataPipeline") == len("rm DataPipeline") and keep.pending == [" --keep-files"]


def test_yes_needs_a_stated_consent():
    g = Grounder("delete the MyApp venv only forget it")
    assert g.ok("rm MyApp --keep-files", done=True)
    assert not g.ok("rm MyApp --keep-files ")  # after --keep-files only --yes can come
    assert not g.ok("rm MyApp --y")
    assert not g.ok("rm MyApp --yes", done=True)
    assert not g.ok("cleanup --days 5 --yes", done=True)
    for consent in ("delete MyApp -y", "delete MyApp, don't ask", "delete MyApp, skip confirmation"):
        assert Grounder(consent).ok("rm MyApp --yes", done=True), consent


def test_a_named_shell_or_json_the_command_leaves_out_is_completed():
    from venvy.nl.runtime.coverage import ignored_spans

    assert ignored_spans("venvy shell-hook", "pwsh hook") == [("choice:--shell=powershell", "pwsh")]
    assert ignored_spans("venvy shell-hook --shell powershell", "pwsh hook") == []
    assert ignored_spans("venvy ls --format json", "dump all venvs to json") == []
    assert ignored_spans("venvy create --packages orjson", "a venv with orjson") == []  # inside a word
    g = Grounder("fish hook")
    assert g.must_go_on("shell-hook") == len("shell-hook") and g.pending == [" --shell fish"]
    assert not g.allows("shell-hook --shell ", "bash", end=False)
    s = Grounder("list venvs by size json")
    assert s.must_go_on("ls --sort size") == len("ls --sort size") and s.pending == [" --format json"]


def test_an_order_asked_for_in_so_many_words_the_command_leaves_out_is_completed():
    from venvy.nl.eval.tsv import load_tsv
    from venvy.nl.runtime.coverage import ignored_spans

    assert ignored_spans("venvy ls --python 3.12", "ls by interpreter, python 3.12 only") == [
        ("choice:--sort=python", "by interpreter")]
    assert ignored_spans("venvy ls", "my envs, biggest ones first") == [("choice:--sort=size", "biggest ones first")]
    assert ignored_spans("venvy ls --sort size", "my envs sorted by name") == [("choice:--sort=name", "sorted by name")]
    assert ignored_spans("venvy ls", "my envs sorted by name") == []  # the default
    assert ignored_spans("venvy ls", "envs by when I last used them") == []  # "when": used or made
    assert ignored_spans("venvy ls", "the envs I made most recently first") == []  # made or used
    g = Grounder("list envs ordered by last use")
    assert g.must_go_on("ls") == len("ls") and g.pending == [" --sort recent"]
    # never a right answer of the hand-written training pairs (the generated ones: the test above)
    rows = [(q, a[0]) for path in sorted((ROOT / "data" / "people").glob("train*.tsv")) for q, a in load_tsv(path) if a]
    ordered = [(q, a) for q, a in rows if " ls" in a and Grounder(q).sorts]
    assert len(ordered) > 100
    assert [(q, a) for q, a in ordered if any(s.startswith("choice:--sort") for s, _ in ignored_spans(a, q))] == []


def test_a_name_is_not_the_word_for_the_kind_of_thing():
    g = Grounder("INFO ON ENV reports")
    assert not g.ok("info E") and not g.ok("info env", done=True)  # "E" can only grow into "ENV"
    assert g.ok("info reports", done=True)
    assert Grounder('info on "env" please').ok("info env", done=True)  # quoted: a venv called env
    assert Grounder("info on env2").ok("info env2", done=True)


def test_rm_and_cleanup_need_a_stated_removal():
    g = Grounder("dump all venvs to json")
    assert not g.ok("rm") and not g.ok("rm json", done=True)
    assert not g.ok("cl") and not g.ok("cleanup", done=True)  # "cl" can only become cleanup
    assert g.ok("r") and g.ok("c") and g.ok("register")  # still a register, a create, a current
    assert g.ok("ls --format json", done=True)
    assert Grounder("delete json").ok("rm json", done=True)
    assert Grounder("forget json but keep the files").ok("rm json --keep-files", done=True)
    assert Grounder("what would cleanup remove").ok("cleanup --dry-run", done=True)


def test_a_question_about_a_command_is_no_removal():
    for question in ("explain the cleanup command", "what does rm do?", "which flags does cleanup take",
                     "show me the manual for cleanup"):
        g = Grounder(question)
        assert not g.ok("cleanup", done=True) and not g.ok("rm cleanup", done=True), question
    assert Grounder("explain what cleanup would delete, dry run").ok("cleanup --dry-run", done=True)  # a preview
    assert Grounder("delete the docs env").ok("rm docs", done=True)  # a venv called docs


def test_every_hand_written_removal_of_the_training_pairs_passes():
    """The removal and consent rules hold for rm / cleanup requests written by other hands
    (data/people/train*.tsv), not only for the generator's (the test above). (Three of these
    pairs state a value the grounder cannot read: "thrity days", "2 semaines", "used today" for
    --days 0; the rules under test here are the two intent rules.)"""
    from venvy.nl.eval.tsv import load_tsv
    from venvy.nl.runtime import intents

    rows = [(q, a[0]) for path in sorted((ROOT / "data" / "people").glob("train*.tsv")) for q, a in load_tsv(path)
            if a and a[0].split()[1] in ("rm", "cleanup")]
    blocked = [q for q, command in rows
               if not intents.removal(q) or ("--yes" in command and not intents.states(q, intents.CONSENT))]
    assert len(rows) > 400
    # a typo in a word of three letters or fewer is not read ("aks" for ask, "rmm" for rm:
    # tests/nl/runtime/test_intents.py), nor one that moves a letter two places ("prgue")
    assert blocked == ["remove old envs, thrity days cutoff, dont aks", "prgue venvs unused for 21 days", "rmm tmp-venv"]



def test_the_preview_and_keep_of_every_training_removal_is_read():
    """A preview (`cleanup --dry-run`) or keep (`rm --keep-files`) intent of a training pair, generated
    or hand-written, is one the intent tables read, and one is read only where the pair has the flag:
    completion then adds a flag the model leaves out, and never one the request does not ask for."""
    from venvy.nl.eval.tsv import load_tsv
    from venvy.nl.runtime import intents
    from venvy.nl.runtime.coverage import INTENT_PHRASES

    rows = [(q, a[0]) for path in sorted((ROOT / "data" / "people").glob("train*.tsv")) for q, a in load_tsv(path) if a]
    rows += [(q, command) for q, command in _dataset_rows()]
    missed, extra, n = [], [], 0
    for q, command in rows:
        for name, flag, intent in (("rm", "--keep-files", "keep"), ("cleanup", "--dry-run", "preview")):
            if command.split()[1] == name:
                n += 1
                stated = bool(intents.spans(q, INTENT_PHRASES[intent]))
                if stated != (flag in command):
                    (missed if flag in command else extra).append(q)
    assert n > 1500
    # typos in words of four letters ("liist", "sohw", "shhow" for show), and phrasings that only the
    # whole sentence carries
    assert missed == [
        "The environments I not open since a long time, three month maybe, show me them which you will delete",
        "please make the list of env which cleanup will remove, I not want remove now",
        "show cleanup's plan for envs unused for six weeks",
        "clear unused venvs only liist them",
        "I'd like to prune leftover envs only sohw me older than sixty days of no use thanks",
        "GO AHEAD AND TIDY UP THE STALE VEmVS JUST SHHOW ME UNTOUCHED FOR a month and a half",
    ]
    # negations the phrase match cannot see, and "from disk and from the list" (both): these read as the
    # safe flag, which completion would add to a right answer
    assert extra == [
        "ok the preview looked good, now actually delete the ones unused for 60 days",
        "i said delete, not preview: envs older than 30 days",
        "Remove the venv with name kaggle2023 from disk and from the list.",
        "delete env api_v2 from disk and from the registry",
        "do a real cleanup, not a dry run, 45 days",
    ]

def test_a_package_list_does_not_start_with_its_label():
    g = Grounder("new venv named api packages: pytest, rich")
    assert not g.ok("create --name api --packages pack")  # grows into the label "packages:"
    assert not g.ok("create --name api --packages packages", done=True)
    assert g.ok("create --name api --packages pytest,rich", done=True)
    assert Grounder("cli-tools: details").ok("info cli-tools", done=True)  # a name may be followed by ":"


def test_runs_of_packages_in_a_request():
    from venvy.nl.runtime.stated import missing_packages, package_runs

    runs = package_runs("new env named cli-tool, install click typer rich")
    assert runs == [[("cli-tool", False)], [("click", False), ("typer", False), ("rich", False)]]
    assert missing_packages(runs, ["click", "rich"]) == ["typer"]  # between two used ones
    assert missing_packages(runs, ["click"]) == []  # joined by a space only: maybe not a package
    runs = package_runs("venv packages: orjson, seaborn and polars plus numpy<2 thanks")
    assert [word for word, _ in runs[0]] == ["orjson", "seaborn", "polars", "numpy<2"]
    assert missing_packages(runs, ["seaborn"]) == ["orjson", "polars", "numpy<2"]
    # ordinary words, versions, paths, files, a spelling of "venv" and the name end a run or are no package
    runs = package_runs("make a vevn plus requests, rich in ~/x from reqs.txt with python 3.12, cheers")
    assert [[word for word, _ in run] for run in runs] == [["requests", "rich"]]
    assert missing_packages(package_runs("env main plus attrs, jupyter"), ["attrs", "jupyter"], others=["main"]) == []


def test_a_package_list_leaves_no_package_of_its_run_out():
    g = Grounder("new env named cli-tool, install click typer rich")
    assert not g.ok("create --name cli-tool --packages click,rich", done=True)
    assert not g.ok("create --name cli-tool --packages click,rich --path x")  # nor end it with an option
    assert g.ok("create --name cli-tool --packages click,rich,")
    assert g.ok("create --name cli-tool --packages click,rich,ty")  # the one left out
    assert not g.ok("create --name cli-tool --packages click,rich,cli-tool", done=True)  # not another word
    assert g.ok("create --name cli-tool --packages click,typer,rich", done=True)
    assert Grounder("venv with flask please").ok("create --packages flask", done=True)


def test_every_hand_written_package_list_of_the_training_pairs_passes():
    """The package-list rule never blocks a list written by other hands (data/people/train*.tsv),
    at any prefix; the generator's lists are checked by the dataset test above."""
    from venvy.nl.eval.tsv import load_tsv

    rows = [(q, a[0].removeprefix("venvy ")) for path in sorted((ROOT / "data" / "people").glob("train*.tsv"))
            for q, a in load_tsv(path) if a and " --packages " in a[0]]
    start = len("create --packages")
    blocked = [q for q, answer in rows
               if not all(Grounder(q).ok(answer[:i]) for i in range(start, len(answer)))
               or not Grounder(q).ok(answer, done=True)]
    assert len(rows) > 100
    assert blocked == []


def test_a_bare_list_or_json_must_be_asked_for():
    assert not Grounder("show all my envs").ok("ls --format s")
    assert not Grounder("show all my envs").ok("ls --format j")
    assert not Grounder("show all my envs").ok("ls --f")  # neither asked: no --format, not a dead end after it
    assert not Grounder("show all my envs").ok("ls --")  # nor --sort: no option at all
    assert Grounder("show all my envs by size").ok("ls --")  # --sort can follow
    assert Grounder("list my envs, just the paths").ok("ls --format simple", done=True)
    assert Grounder("venvs one per line for a script").ok("ls --format simple", done=True)
    assert Grounder("lsvirtualenv -b").ok("ls --format simple", done=True)
    for asked in ("envs as JSON", "conda env list --json", "stats, machine-readable", "info api for my scirpt",
                  "totals so I can pipe them to jq", "venv sizes for a monitoring dashboard"):
        assert Grounder(asked).ok("ls --format json", done=True), asked


def test_a_path_after_a_project_cue_is_the_project_not_the_venv():
    from venvy.nl.eval.tsv import load_tsv

    g = Grounder("I want to remember this venv tied to ~/src/app please")
    assert not g.ok("register ~/s") and not g.ok("register ~/src/app", done=True)
    assert g.ok("register --project ~/src/app", done=True)
    g = Grounder("register ./env for project ./app")
    assert g.ok("register ./env --project ./app", done=True) and not g.ok("register ./app", done=True)
    assert Grounder("take over the .venv in the project folder ./api").ok("register --project ./api", done=True)
    # no right answer of the hand-written training pairs is refused (the generated ones: the test above)
    rows = [(q, a[0]) for path in sorted((ROOT / "data" / "people").glob("train*.tsv")) for q, a in load_tsv(path) if a]
    paths = [(q, values(a.removeprefix("venvy "))[0][1]) for q, a in rows
             if a.startswith("venvy register ") and not a.startswith("venvy register --")]
    assert len(paths) > 100
    assert [(q, path) for q, path in paths if Grounder(q).project_only(path, whole=True)] == []


def test_a_package_is_no_path_or_requirements_file():
    g = Grounder('a venv -r requirements.txt and name it "svc" packages: orjson & httpx')
    assert not g.ok("create --name svc --packages requirem") and not g.ok("create --packages requirements.txt", done=True)
    assert g.ok("create --name svc --packages orjson,httpx --requirements requirements.txt", done=True)
    assert not Grounder("a venv with ./libs/mypkg and rich").ok("create --packages ./libs/mypkg,rich", done=True)
    assert Grounder("a venv with discord.py and rich").ok("create --packages discord.py,rich", done=True)
    assert not Grounder("a venv on 3.12.1 with rich").ok("create --packages 3.12.1", done=True)
    g = Grounder("an env called MyApp -r reqs.txt and also langchain")
    assert not g.ok("create --name MyApp --packages My") and g.ok("create --name MyApp --packages langchain", done=True)
    assert Grounder("a venv named flask with flask").ok("create --name flask --packages flask", done=True)
    assert not Grounder("a venv with rich and httpx").ok("create --packages rich,httpx,rich", done=True)
    assert not Grounder("a venv with rich and httpx").ok("create --packages rich,httpx,")  # nothing can follow
    assert Grounder("a venv with rich and httpx").ok("create --packages rich,")
    assert not Grounder("a venv with django~=4.2 and httpx").ok("create --packages django~=4.2,httpx,djan")
    assert not Grounder("a venv on python3.8.10 with rich").ok("create --packages python3.8.10", done=True)
    assert not Grounder("a venv on top of 3.12 with rich and httpx").ok("create --packages rich,httpx,and", done=True)
    assert Grounder("a venv on top of 3.12 with rich and tomli").ok("create --packages rich,to")  # tomli


def test_a_plain_table_is_no_bare_list():
    assert not Grounder("show my envs by size in a plain table").ok("ls --sort size --format s")
    assert Grounder("show my envs by size, plain paths").ok("ls --sort size --format simple", done=True)


def test_an_order_must_be_asked_for():
    g = Grounder("show all my envs")
    assert not g.ok("ls --s") and not g.ok("ls --sort size", done=True)
    g = Grounder("which of my envs are the laegest?")  # a typo in a key word of five letters or more
    assert g.sorts == ("size",) and g.ok("ls --sort s") and g.ok("ls --sort size", done=True)
    assert not g.ok("ls --sort r") and not g.ok("ls --sort recent", done=True)
    assert Grounder("newest envs first, python 3.12 only").ok("ls --sort created --python 3.12", done=True)
    assert Grounder("newest envs first").ok("ls --sort recent", done=True)  # newest: created or used


def test_every_hand_written_bare_list_or_json_of_the_training_data_asks_for_one():
    from venvy.nl.eval.tsv import load_tsv

    rows = [(q, a[0]) for path in sorted((ROOT / "data" / "people").glob("train*.tsv")) for q, a in load_tsv(path) if a]
    rows += list(_dataset_rows())
    bare = [q for q, command in rows if "--format simple" in command]
    machine = [q for q, command in rows if "--format json" in command]
    assert len(bare) > 20 and len(machine) > 900
    assert [q for q in bare if not Grounder(q).bare] == []
    assert [q for q in machine if not Grounder(q).machine] == []
    from venvy.nl import contract

    ordered = [(q, contract.parse(command).params["sort"]) for q, command in rows if " --sort " in command]
    assert len(ordered) > 1000
    assert [(q, value) for q, value in ordered if value not in Grounder(q).sorts] == []


# --------------------------------------------------------------------------
# Names after a naming word, packages after a label (session 10)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_text", "expected"),
    [
        ("a venv named data-tools with python 3.12", ["data-tools"]),
        ("Create a venv. Name: geo. Packages: flask.", ["geo"]),
        ("new env, call it my.env please", ["my.env"]),
        ("name it worker_2 and put it in ~/x", ["worker_2"]),
        ("make an env named after my dog", []),  # "after" is no name
        ("what is the venv called?", []),
        ("a venv called 3.12", []),  # a number is no name
        ("the venv renamed yesterday", []),
    ],
)
def test_names_after_a_naming_word(request_text, expected):
    from venvy.nl.runtime.stated import named

    assert [text for _, _, text in named(request_text)] == expected


@pytest.mark.parametrize(
    ("request_text", "expected"),
    [
        ("create a venv and install streamlit", ["streamlit"]),
        ("Packages: geopandas, shapely and rtree. Thanks", ["geopandas", "shapely", "rtree"]),
        ("deps: httpx plus rich", ["httpx", "rich"]),
        ("install ruff targeting python 3.12", ["ruff"]),  # spaces only: the rest may be the sentence
        ("install what requirements.txt says", []),
        ("installing everythiing in reqs.txt", []),  # a typo of an ordinary word is no package
        ("make a venv with flask", []),  # no label
    ],
)
def test_packages_a_label_introduces(request_text, expected):
    from venvy.nl.runtime.stated import labelled_packages

    found = labelled_packages(request_text)
    assert [text for _, _, text in found] == expected
    assert all(request_text[start:end].lower() == text for start, end, text in found)


def test_an_answer_that_leaves_a_labelled_package_out_must_go_on():
    g = Grounder("create a venv called web and install streamlit")
    assert g.must_go_on("create --name web") == len("create --name web")
    assert g.pending == [" --packages "]
    assert Grounder("create a venv called web and install streamlit").must_go_on("create --packages streamlit") == 6


def test_a_copied_value_keeps_the_request_case_or_is_lower_case():
    g = Grounder("new venv Django4 with pandas")
    assert g.ok("create --name Django4", done=True)
    assert g.ok("create --name django4", done=True)
    assert not g.ok("create --name dJango4", done=True)
    assert not g.ok("create --name pandas --packages pAndas", done=True)
