"""Phrasing templates for the NL dataset: how people ask for each venvy command.

Three tables, all plain data (the compositional frames of dataset v2 are in
venvy.nl.pipeline.composed):

- FRAMES[command]: whole-request templates (one template family each). A frame may
  name parameters as slots ({name}, {python}, {python|raw}, ...) and may fix parameter
  values (e.g. "which venvs take the most space" fixes --sort size). "{opts}" is
  where phrasings of further, randomly chosen options go; a frame without it takes
  no other options.
- OPTIONS[(command, param)]: phrasings of one option, keyed by the contract's
  (command, click parameter name). For a CHOICE option it maps each choice to its
  phrasings. tests/nl/test_dataset.py checks this table against
  venvy.nl.contract.commands(): a new option in the CLI without phrasings fails.
- NEGATIVES[category]: requests venvy cannot serve (the "no command" rows), in
  venvy.nl.pipeline.negatives.

Slots are filled by venvy.nl.pipeline.dataset with values from venvy.nl.pipeline.values; "{x|raw}"
asks for the bare value (e.g. "3.11") instead of a spoken form ("python 3.11").
"""

from __future__ import annotations

# A frame is a template string, or (template, fixed params).

FRAMES: dict[str, list] = {
    "create": [
        "create a venv{opts}",
        "make a new virtualenv{opts}",
        "new env{opts}",
        "create venv{opts}",
        "i need a fresh virtual environment{opts}",
        "set up a python environment{opts}",
        "can you spin up a new venv{opts}",
        "mkvirtualenv {name}{opts}",
        "mkvirtualenv -p python{python|raw} {name}",
        "conda create -n {name} python={python|raw}",
        "conda create --name {name}{opts}",
        "uv venv {path}{opts}",
        "python -m venv {path}",
        "virtualenv {path}{opts}",
        "start a new project env{opts}",
        "please create an environment{opts}",
        "bootstrap a venv{opts}",
        "give me a clean venv{opts}",
        "I'd like a new virtual env{opts}",
        "create a {python} venv named {name}{opts}",
        "new {python} env {name}{opts}",
        "make an environment for {name}{opts}",
        "set up a venv in this folder",
        "create a .venv here",
        "mk venv{opts}",
        "I'm starting a new project, I need an isolated environment{opts}",
        "how do I get a new venv{opts}?",
        "init a virtual environment{opts}",
        "pyenv virtualenv {python|raw} {name}",
        "mkvirtualenv -r {requirements} {name}",
        "conda create -n {name} python={python|raw} {packages}",
        "uv venv --python {python|raw} {path}",
    ],
    "ls": [
        "list my venvs{opts}",
        "ls{opts}",
        "show all environments{opts}",
        "lsvirtualenv{opts}",
        "conda env list{opts}",
        "what venvs do I have{opts}",
        "which virtualenvs exist on this machine{opts}",
        "show me every registered env{opts}",
        "list environments{opts}",
        "ls venvs{opts}",
        "give me a list of my virtual environments{opts}",
        "display the venv list{opts}",
        "workon",
        "enumerate all venvs{opts}",
        "print the registry{opts}",
        "conda info --envs",
        "what environments are registered{opts}",
        "list all virtual envs{opts}",
        "show venvs{opts}",
        ("my disk is full, which envs are the biggest{opts}", {"sort": "size"}),
        ("which venvs take the most space{opts}", {"sort": "size"}),
        ("which envs have I used most recently{opts}", {"sort": "recent"}),
        ("show the venvs I made most recently first{opts}", {"sort": "created"}),
        ("I need the venv list for a script{opts}", {"fmt": "json"}),
        ("which envs still run {python}{opts}", {}),
        ("do I have any {python} environments{opts}", {}),
        ("what is eating my disk, list the envs{opts}", {"sort": "size"}),
        ("which env did I create last{opts}", {"sort": "created"}),
        ("lsvirtualenv -b", {"fmt": "simple"}),
    ],
    "info": [
        "info {name}{opts}",
        "show info about {name}{opts}",
        "tell me about {name}{opts}",
        "details for {name}{opts}",
        "what do you know about the {name} venv{opts}",
        "describe {name}{opts}",
        "inspect env {name}{opts}",
        "show me everything about {name}{opts}",
        "which python does {name} use{opts}",
        "how big is {name}{opts}",
        "where is {name} located{opts}",
        "give me the details of the {name} environment{opts}",
        "info on {name} venv{opts}",
        "when did I last use {name}{opts}",
        "is {name} broken{opts}?",
        "{name} info{opts}",
        "what's inside the {name} virtualenv{opts}",
        "summarize env {name}{opts}",
    ],
    "register": [
        "register {path}{opts}",
        "add {path} to venvy{opts}",
        "track the venv at {path}{opts}",
        "register this venv{opts}",
        "add my existing env to the registry{opts}",
        "start tracking {path}{opts}",
        "import the virtualenv in {path}{opts}",
        "please register the .venv here{opts}",
        "venvy should know about {path}{opts}",
        "remember the env at {path}{opts}",
        "register existing venv{opts}",
        "put {path} in the registry{opts}",
        "adopt {path}{opts}",
        "register",
        "I made a venv by hand at {path}, add it{opts}",
        "make venvy aware of the environment in {path}{opts}",
        "register the venv in the current folder{opts}",
    ],
    "scan": [
        "scan{opts}",
        "scan for venvs{opts}",
        "find all my virtualenvs{opts}",
        "look for environments{opts}",
        "search for venvs{opts}",
        "discover existing venvs{opts}",
        "find venvs I already have{opts}",
        "crawl {path} for environments{opts}",
        ("scan my home folder{opts}", {"home": True}),
        ("find every venv in my home dir{opts}", {"home": True}),
        "are there any venvs lying around in {path}{opts}",
        "index the virtualenvs{opts}",
        "hunt down old venvs{opts}",
        "detect venvs{opts}",
        "find and register venvs{opts}",
        "I have venvs all over the place, find them{opts}",
        "scan this directory",
        "pick up the environments that already exist{opts}",
    ],
    "current": [
        "which venv is active",
        "what env am I in",
        "current venv",
        "current",
        "show the current environment",
        "am I in a virtualenv right now",
        "what's my active venv",
        "which virtual environment is activated",
        "is a venv active?",
        "tell me the active env",
        "what environment is this shell using",
        "which conda env is active",
        "what venv am I working on",
        "print the active venv",
        "whats activated",
        "which python env is currently on",
        "active environment?",
        "what is the current virtualenv",
        "show me which env is turned on",
    ],
    "stats": [
        "stats{opts}",
        "show venv stats{opts}",
        "how much disk do my venvs use{opts}",
        "give me totals{opts}",
        "summary of all environments{opts}",
        "how many venvs do I have{opts}",
        "venv statistics{opts}",
        "how many envs are broken{opts}",
        "overall numbers for my virtualenvs{opts}",
        "what's the total size of all venvs{opts}",
        "how many environments have gone unused{opts}",
        "dashboard{opts}",
        "totals please{opts}",
        "count my venvs{opts}",
        "aggregate stats{opts}",
        "give me a health report of my environments{opts}",
        "how much space are virtualenvs eating{opts}",
    ],
    "cleanup": [
        "cleanup{opts}",
        "clean up old venvs{opts}",
        "remove unused environments{opts}",
        "delete stale virtualenvs{opts}",
        "purge old envs{opts}",
        "get rid of venvs I don't use{opts}",
        "free up disk by removing old venvs{opts}",
        "prune environments{opts}",
        "clear out abandoned venvs{opts}",
        "tidy up my venvs{opts}",
        "delete old environments{opts}",
        ("what would cleanup remove{opts}", {"dry_run": True}),
        ("which venvs would be deleted by a cleanup{opts}", {"dry_run": True}),
        ("I want to reclaim disk space, what old envs could go{opts}", {"dry_run": True}),
        "wipe envs nobody touched{opts}",
        "garbage collect virtualenvs{opts}",
        "my disk is full, delete envs I haven't used{opts}",
        "remove venvs idle longer than {days}{opts}",
        "clean venvs{opts}",
        "drop the dusty environments{opts}",
    ],
    "rm": [
        "rm {name}{opts}",
        "remove {name}{opts}",
        "delete the {name} venv{opts}",
        "rmvirtualenv {name}{opts}",
        "conda env remove -n {name}{opts}",
        "get rid of {name}{opts}",
        "drop env {name}{opts}",
        "uninstall the {name} environment{opts}",
        "destroy {name}{opts}",
        "I don't need {name} anymore, delete it{opts}",
        "nuke {name}{opts}",
        "trash the {name} virtualenv{opts}",
        "kill venv {name}{opts}",
        "erase {name}{opts}",
        ("stop tracking {name}{opts}", {"keep_files": True}),
        ("forget about {name}{opts}", {"keep_files": True}),
        ("unregister {name}{opts}", {"keep_files": True}),
        ("remove {name} from the registry but leave it on disk{opts}", {"keep_files": True}),
        "delete venv {name}{opts}",
        "conda remove --name {name} --all{opts}",
    ],
    "shell-hook": [
        "shell-hook{opts}",
        "print the shell hook{opts}",
        "give me the shell integration{opts}",
        "what do I put in my rc file{opts}",
        "set up shell integration{opts}",
        "show the activation hook{opts}",
        "how do I make venvy track activations{opts}",
        "hook code{opts}",
        "output the shell hook snippet{opts}",
        "enable tracking of venv usage in my shell{opts}",
        "I want venvy to record when I activate envs{opts}",
        "shell hook please{opts}",
        "generate the hook{opts}",
        "eval hook{opts}",
        ("what goes in my .zshrc for venvy", {"shell": "zsh"}),
        ("add venvy to my .bashrc", {"shell": "bash"}),
        ("configure config.fish for venvy", {"shell": "fish"}),
        ("powershell profile snippet for venvy", {"shell": "powershell"}),
        "the snippet for my shell startup file{opts}",
    ],
}

_FMT_TABLE = ["as a table", "--format table", "in table form", "table view", "in a table", "tabular"]
_FMT_JSON = ["as json", "in json", "json", "--format json", "in JSON format", "json output", "machine readable"]
_YES = ["without asking", "--yes", "-y", "no confirmation", "don't ask me", "skip the prompt", "no questions asked"]

OPTIONS: dict[tuple[str, str], object] = {
    ("create", "name"): [
        "named {name}", "called {name}", "with the name {name}", "name it {name}", "--name {name}",
        "-n {name}", "name: {name}", "and call it {name}", "titled {name}", "whose name is {name}",
        "labelled {name}", "with name {name}",
    ],
    ("create", "python"): [
        "with {python}", "using {python}", "on {python}", "python {python|raw}", "--python {python|raw}",
        "-p {python|raw}", "that runs {python}", "based on {python}", "targeting {python}",
        "with python version {python|raw}", "running {python}", "for {python}",
    ],
    ("create", "path"): [
        "in {path}", "at {path}", "under {path}", "--path {path}", "located at {path}", "inside {path}",
        "in the folder {path}", "into {path}", "stored in {path}", "placed at {path}",
    ],
    ("create", "packages"): [
        "with {packages} installed", "and install {packages}", "with packages {packages}",
        "preinstalled with {packages}", "--packages {packages}", "including {packages}", "plus {packages}",
        "and pip install {packages}", "that has {packages}", "with {packages} in it", "and add {packages}",
    ],
    ("create", "requirements"): [
        "from {requirements}", "using {requirements}", "and install {requirements}", "-r {requirements}",
        "with deps from {requirements}", "installing everything in {requirements}", "--requirements {requirements}",
        "with the requirements in {requirements}", "and pip install -r {requirements}",
    ],
    ("ls", "sort"): {
        "name": ["sorted by name", "alphabetically", "in alphabetical order", "--sort name", "a to z",
                 "ordered by name"],
        "recent": ["most recently used first", "by last use", "sorted by recent", "--sort recent", "by recency",
                   "recently used on top", "ordered by last activity"],
        "size": ["biggest first", "sorted by size", "by disk usage", "--sort size", "largest first",
                 "ordered by how much space they use"],
        "created": ["by creation date", "newest first", "sorted by created", "--sort created",
                    "in order of creation", "by when they were made"],
        "python": ["sorted by python version", "by python", "--sort python", "grouped by interpreter version",
                   "ordered by python version", "by interpreter"],
    },
    ("ls", "fmt"): {
        "table": list(_FMT_TABLE),
        "json": list(_FMT_JSON),
        "simple": ["one path per line", "simple format", "--format simple", "just the paths",
                   "plain list of paths", "simple output", "paths only"],
    },
    ("ls", "python"): [
        "only {python}", "that use {python}", "with {python}", "--python {python|raw}", "running {python}",
        "on {python} only", "filtered to {python}", "just the {python} ones", "where python is {python|raw}",
    ],
    ("info", "fmt"): {"table": list(_FMT_TABLE), "json": list(_FMT_JSON)},
    ("register", "name"): [
        "as {name}", "under the name {name}", "named {name}", "--name {name}", "call it {name}",
        "with name {name}", "-n {name}", "and call it {name}", "labelled {name}",
    ],
    ("register", "project"): [
        "for project {project}", "belonging to {project}", "--project {project}",
        "linked to the project in {project}", "project folder {project}", "that belongs to {project}",
    ],
    ("scan", "path"): ["in {path}", "under {path}", "--path {path}", "inside {path}", "starting at {path}",
                       "within {path}"],
    ("scan", "home"): ["in my home directory", "--home", "across my home folder", "in $HOME",
                       "everywhere in home", "in my home dir including hidden folders"],
    ("scan", "depth"): [
        "{depth} levels deep", "--depth {depth|raw}", "depth {depth|raw}", "up to {depth} folders down",
        "max depth {depth|raw}", "going {depth} directories deep", "no deeper than {depth} levels",
    ],
    ("stats", "fmt"): {"table": list(_FMT_TABLE), "json": list(_FMT_JSON)},
    ("cleanup", "days"): [
        "unused for {days}", "older than {days}", "not touched in {days}", "idle for {days}",
        "--days {days|raw}", "not used in the last {days}", "that haven't been activated for {days}",
        "inactive for more than {days}", "that nobody used for {days}", "last used over {days} ago",
        "untouched for {days}",
    ],
    ("cleanup", "dry_run"): [
        "dry run", "--dry-run", "just show what would go", "without deleting anything", "preview only",
        "only list them", "simulate it", "but don't actually delete", "just a preview",
        "show me first, don't delete",
    ],
    ("cleanup", "yes"): list(_YES),
    ("rm", "keep_files"): [
        "but keep the files", "--keep-files", "keep it on disk", "only unregister it", "leave the folder alone",
        "without deleting the files", "but don't touch the files", "but leave the directory",
        "registry only",
    ],
    ("rm", "yes"): list(_YES) + ["force"],
    ("shell-hook", "shell"): {
        "bash": ["for bash", "--shell bash", "bash", "for my bashrc", "in bash", "bash version"],
        "zsh": ["for zsh", "--shell zsh", "zsh", "for oh-my-zsh", "zsh flavor", "I use zsh"],
        "fish": ["for fish", "--shell fish", "fish shell", "fish", "for config.fish", "I'm on fish"],
        "powershell": ["for powershell", "--shell powershell", "pwsh", "for windows powershell", "powershell",
                       "PowerShell version"],
    },
}

# Positional parameters (info/rm NAME, register PATH) are phrased inside the frames.

# Politeness and chat around a request; applied to a share of rows. "can you ..." only
# goes before requests that start like an order ("list ...", "make ..."), not questions.
PREFIXES = ["hey, ", "hey venvy, ", "quick question: ", "ok so ", "yo ", "venvy: "]
ORDER_PREFIXES = ["please ", "can you ", "could you ", "pls ", "would you "]
QUESTION_WORDS = ("what", "which", "how", "is ", "am ", "are ", "do ", "does", "where", "when", "who", "whats",
                  "i ", "i'", "my ", "you", "can ", "lol", "hi", "hello", "thanks", "good", "ignore", "disregard",
                  "forget", "system", "new instructions", "please", "act ", "respond", "repeat", "reveal", "print your",
                  "the ", "venvy ", "active", "current", "dashboard", "stats", "totals", "hook", "info", "eval",
                  "shell hook", "{")
SUFFIXES = [" please", " thanks", " pls", "?", " thx", "!", " for me", " thank you"]


# Dataset v3: at least 20 hand-written phrasings per option and choice, more frames, context sentences
# (CONTEXTS is read as templates.CONTEXTS).
from venvy.nl.pipeline.phrasings_v3 import CONTEXTS, V3_FRAMES, V3_OPTIONS  # noqa: E402, F401

for _key, _extra in V3_OPTIONS.items():
    _table = OPTIONS[_key]
    if isinstance(_extra, dict):
        for _choice, _phrases in _extra.items():
            _table[_choice] = _table[_choice] + [p for p in _phrases if p not in _table[_choice]]
    else:
        OPTIONS[_key] = _table + [p for p in _extra if p not in _table]
for _cmd, _extra in V3_FRAMES.items():
    FRAMES[_cmd] = FRAMES[_cmd] + _extra
