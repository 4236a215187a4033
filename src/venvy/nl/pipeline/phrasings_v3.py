"""Dataset v3 phrasings: more hand-written option phrasings and frames, merged into
venvy.nl.pipeline.templates' OPTIONS and FRAMES (plain data; see docs/dataset.md).
"""

from __future__ import annotations

# --------------------------------------------------------------------------
# Dataset v3: more hand-written phrasings, so that every option and choice has at least
# 20 distinct surface forms, many of them naming the intent instead of the flag
# ("preview" is --dry-run, "stop tracking" is --keep-files, "don't ask" is --yes).
# Merged into templates.OPTIONS and templates.FRAMES; each string is one more template family.
# --------------------------------------------------------------------------

_V3_YES = ["yes to all", "don't ask", "dont ask for confirmation", "no need to confirm", "skip confirmation",
           "assume yes", "auto-confirm", "without prompting me", "I already confirmed, just do it",
           "no are-you-sure", "don't bother asking", "non-interactively", "answer yes for me",
           "no prompts", "just go ahead without asking"]

V3_OPTIONS: dict[tuple[str, str], object] = {
    ("create", "name"): [
        'named "{name}"', "called '{name}'", 'with the name "{name}"', "and name it {name}", "name should be {name}",
        "let's call it {name}", "go with the name {name}", "use {name} as its name", "dubbed {name}",
        "its name is {name}", "known as {name}", "under the name {name}", "the name being {name}",
    ],
    ("create", "python"): [
        "with python {python|raw}", "on python {python|raw}", "python version {python|raw}", "py {python|raw}",
        "interpreter {python}", "with the {python} interpreter", "pinned to {python}", "built on {python}",
        "that uses {python}", "on top of {python}", "python should be {python|raw}", "version {python|raw} of python",
    ],
    ("create", "path"): [
        "in the directory {path}", "living in {path}", "at the location {path}", "put it in {path}",
        "put it at {path}", "make it in {path}", "with its folder at {path}", "saved under {path}",
        "in folder {path}", "where the path is {path}", "path {path}", "in the path {path}",
    ],
    ("create", "packages"): [
        "with {packages}", "having {packages}", "install {packages} in it", "and also {packages}",
        "comes with {packages}", "with {packages} preinstalled", "packages: {packages}",
        "bundled with {packages}", "loaded with {packages}", "then install {packages}", "and throw in {packages}",
    ],
    ("create", "requirements"): [
        "based on {requirements}", "installing from {requirements}", "with the deps in {requirements}",
        "using the requirements file {requirements}", "requirements from {requirements}", "deps: {requirements}",
        "with everything listed in {requirements}", "fed from {requirements}", "populated from {requirements}",
        "install what {requirements} says", "with {requirements}", "reqs from {requirements}",
    ],
    ("ls", "sort"): {
        "recent": ["latest used first", "the ones I used last on top", "by when I last used them",
                   "most recently activated first", "by last activation", "freshest first", "by last access",
                   "recently touched first", "in order of last use", "the one I used last first",
                   "sorted by activity", "by usage date", "last-used order", "recent first"],
        "size": ["heaviest first", "by size", "fattest first", "sorted by disk space", "by how big they are",
                 "biggest to smallest", "ordered by size", "the space hogs first", "by footprint",
                 "largest on top", "size order", "most disk first", "by megabytes", "in order of size"],
        "created": ["by creation time", "by age", "in the order I made them", "sorted by date created",
                    "by creation", "most recently created first", "by birth date", "latest created first",
                    "ordered by when they were created", "by date made", "creation order", "newest on top",
                    "by the date they were set up", "the new ones first"],
        "python": ["by interpreter version", "sorted by python", "ordered by python", "grouped by python",
                   "by python release", "by the python they run", "python version order",
                   "sorted on interpreter", "oldest python first", "by which python they use",
                   "python-wise", "arranged by python version", "by py version", "in python order"],
        "name": ["by name", "sorted alphabetically", "a-z", "abc order", "name order", "by their names",
                 "alphabetical", "in name order", "A to Z", "lexicographically", "by env name",
                 "alphabetized", "sorted by their name", "ordered alphabetically"],
    },
    ("ls", "fmt"): {
        "json": ["as JSON", "json please", "in json form", "so I can pipe it to jq", "for jq", "as a json array",
                 "json format", "formatted as json", "machine-readable", "for my script to parse", "in a json dump",
                 "output json", "JSON"],
        "simple": ["just paths", "only the paths", "bare paths", "nothing but the paths", "paths, one per line",
                   "plain paths", "in simple format", "no table, just paths", "as a plain list",
                   "the raw paths", "simple", "path list only", "for xargs, one path a line", "paths only please"],
        "table": ["as a nice table", "table format", "in a grid", "tabulated", "formatted as a table",
                  "table output", "in columns", "in table format", "table please", "as a chart",
                  "pretty table", "in a table view", "with columns", "tabular view"],
    },
    ("ls", "python"): [
        "using python {python|raw}", "running python {python|raw}", "for {python}", "on python {python|raw}",
        "built with {python}", "with the {python} interpreter", "that are {python}", "made with {python}",
        "based on {python}", "{python} only", "that run on {python}", "where the interpreter is {python}",
    ],
    ("info", "fmt"): {
        "json": ["as JSON", "json please", "in json form", "so I can pipe it to jq", "as a json object",
                 "json format", "formatted as json", "machine-readable", "for my script to parse",
                 "output json", "JSON", "in raw json", "json dump"],
        "table": ["as a nice table", "table format", "in a grid", "tabulated", "formatted as a table",
                  "table output", "in columns", "in table format", "table please", "pretty table",
                  "in a table view", "with columns", "tabular view", "human readable"],
    },
    ("register", "name"): [
        'as "{name}"', "named '{name}'", "and name it {name}", "giving it the name {name}", "under {name}",
        "with the label {name}", "known as {name}", "so it shows up as {name}", "titled {name}",
        "let's call it {name}", "name it {name}", "the name should be {name}",
    ],
    ("register", "project"): [
        "for the project at {project}", "tied to {project}", "attached to project {project}",
        "project {project}", "with project dir {project}", "for my project in {project}", "whose project is {project}",
        "connected to {project}", "associated with {project}", "project path {project}",
        "for the code in {project}", "under project {project}", "linked with {project}", "owned by the project {project}",
        "project root {project}",
    ],
    ("scan", "path"): [
        "in the folder {path}", "below {path}", "beneath {path}", "from {path}", "throughout {path}",
        "in the directory {path}", "all over {path}", "somewhere in {path}", "in {path} and its subfolders",
        "across {path}", "rooted at {path}", "look in {path}", "at {path}", "path {path}",
    ],
    ("scan", "home"): [
        "in my home", "in ~", "all over my home folder", "under my home directory", "from home",
        "in my user folder", "in my whole home dir", "across home", "starting from my home folder",
        "everywhere under ~", "in the home directory", "throughout my home", "home-wide", "my entire home",
        "in my home directory tree",
    ],
    ("scan", "depth"): [
        "at most {depth} levels", "{depth} deep", "depth of {depth|raw}", "down to {depth} levels",
        "limit depth to {depth|raw}", "{depth} folders deep", "only {depth} levels down", "recursing {depth} levels",
        "max {depth|raw} levels", "no more than {depth} directories down", "{depth} subfolder levels",
        "search depth {depth|raw}", "with depth {depth|raw}",
    ],
    ("stats", "fmt"): {
        "json": ["as JSON", "json please", "in json form", "so I can pipe it to jq", "as a json object",
                 "json format", "formatted as json", "machine-readable", "for my script to parse",
                 "output json", "JSON", "for a monitoring script", "json dump"],
        "table": ["as a nice table", "table format", "in a grid", "tabulated", "formatted as a table",
                  "table output", "in columns", "in table format", "table please", "pretty table",
                  "in a table view", "with columns", "tabular view", "human readable"],
    },
    ("cleanup", "days"): [
        "older than {days} of no use", "not opened in {days}", "unused in {days}", "dormant for {days}",
        "that sat idle {days}", "not activated in {days}", "I haven't touched in {days}", "stale for {days}",
        "abandoned for {days}", "last used more than {days} ago", "collecting dust for {days}",
        "with no activity for {days}",
    ],
    ("cleanup", "dry_run"): [
        "preview", "just preview it", "show me what would be removed", "what would it delete",
        "don't delete yet, just list", "only show me", "no deleting, just show", "a dry run first",
        "just tell me which ones", "test run", "without removing anything", "list what would go",
        "I only want to see them", "just show me", "pretend", "show the candidates only",
    ],
    ("cleanup", "yes"): list(_V3_YES),
    ("rm", "keep_files"): [
        "just stop tracking it", "only forget it", "but leave the files", "keep the folder",
        "leave it on disk", "don't delete the directory", "just unregister", "remove from the list only",
        "forget it but keep the files", "without touching disk", "files stay", "only from venvy's registry",
        "keep the venv on disk",
    ],
    ("rm", "yes"): list(_V3_YES),
    ("shell-hook", "shell"): {
        "bash": ["my shell is bash", "for .bashrc", "bash please", "for the bash shell", "I use bash",
                 "to paste into bashrc", "bash edition", "bash flavor", "for GNU bash", "in bash syntax",
                 "bash snippet", "for my bash profile", "for a bash terminal", "on bash"],
        "zsh": ["my shell is zsh", "for .zshrc", "zsh please", "for the z shell", "for zshrc",
                "to paste into zshrc", "zsh edition", "in zsh syntax", "zsh snippet", "for my mac's zsh",
                "for a zsh terminal", "on zsh", "z shell", "in zsh"],
        "fish": ["my shell is fish", "for fish please", "fish edition", "for the fish shell", "in fish syntax",
                 "fish snippet", "for a fish terminal", "on fish", "I use fish", "for fish config",
                 "in fish", "fish flavor", "for my fish setup", "fish version"],
        "powershell": ["my shell is powershell", "for pwsh", "powershell please", "for windows",
                       "in powershell syntax", "powershell snippet", "for my PowerShell profile", "on powershell",
                       "I use powershell", "for $PROFILE", "in pwsh", "windows terminal powershell",
                       "ps1 version", "for powershell 7"],
    },
}

V3_FRAMES: dict[str, list] = {
    "create": [
        "I need somewhere isolated to install things{opts}", "new project, new venv{opts}",
        "could you prepare an environment{opts}", "environment for a new app{opts}",
        "can I get a venv{opts}", "make room for a new project env{opts}",
        "python -m venv {path}{opts}", "virtualenv -p python{python|raw} {path}",
        "conda create --name {name} python={python|raw}", "create env{opts}",
        "time for a fresh venv{opts}", "I want my own sandbox env{opts}",
    ],
    "ls": [
        ("which of my envs are the largest{opts}", {"sort": "size"}),
        ("sort my venvs by size{opts}", {"sort": "size"}),
        ("what did I use last{opts}", {"sort": "recent"}),
        ("venvs by last use{opts}", {"sort": "recent"}),
        ("show my envs oldest python first{opts}", {"sort": "python"}),
        ("list venvs for a script, json{opts}", {"fmt": "json"}),
        ("paths of all my venvs{opts}", {"fmt": "simple"}),
        "what's registered{opts}", "the list of venvs{opts}", "list everything venvy tracks{opts}",
        "show me what venvs are registered{opts}", "all my envs at a glance{opts}",
        "lsvirtualenv -l{opts}", "what envs are there{opts}", "list registered virtual environments{opts}",
    ],
    "info": [
        "details on {name}{opts}", "what python is {name} on{opts}", "where does {name} live{opts}",
        "show me the {name} env{opts}", "look up {name}{opts}", "{name}: details{opts}",
        "everything about the {name} virtualenv{opts}", "info about env {name}{opts}",
        "how much space does {name} take{opts}", "what's the status of {name}{opts}",
        "is the {name} venv healthy{opts}", "when was {name} last used{opts}",
    ],
    "register": [
        "add this existing venv{opts}", "I already have a venv at {path}, track it{opts}",
        "let venvy manage {path}{opts}", "hook up the env at {path}{opts}", "enroll {path}{opts}",
        "record the venv in {path}{opts}", "register the env I made in {path}{opts}",
        "take {path} under management{opts}", "bring {path} into venvy{opts}", "register {path} please{opts}",
    ],
    "scan": [
        "look around for venvs{opts}", "find any virtualenvs on disk{opts}", "sweep for envs{opts}",
        "find environments I made without venvy{opts}", "discover venvs and add them{opts}",
        "search the disk for .venv folders{opts}", "scan for environments{opts}", "track down my venvs{opts}",
        "locate all the envs{opts}", "what venvs exist on disk that venvy doesn't know{opts}",
    ],
    "stats": [
        "summary{opts}", "overview of my venv usage{opts}", "give me a summary{opts}", "usage summary{opts}",
        "how much space do all my envs take together{opts}", "an overview please{opts}",
        "total disk usage of my venvs{opts}", "how many envs and how big{opts}", "overall usage{opts}",
        "the big picture of my environments{opts}", "venv usage overview{opts}", "disk usage summary{opts}",
        "numbers on my venvs{opts}", "sum it up for all envs{opts}",
        "give me an overview of my virtual environments{opts}",
    ],
    "cleanup": [
        ("preview the cleanup{opts}", {"dry_run": True}),
        ("what would a cleanup remove{opts}", {"dry_run": True}),
        ("just show me which old envs would go{opts}", {"dry_run": True}),
        ("dry-run a cleanup{opts}", {"dry_run": True}),
        ("which stale venvs could I delete{opts}", {"dry_run": True}),
        "get rid of old environments{opts}", "delete envs I haven't used{opts}", "clear unused venvs{opts}",
        "trim old virtualenvs{opts}", "remove inactive envs{opts}", "sweep away old venvs{opts}",
        "cull unused environments{opts}",
    ],
    "rm": [
        ("stop tracking the {name} env{opts}", {"keep_files": True}),
        ("unregister {name} but leave it on disk{opts}", {"keep_files": True}),
        ("forget {name}{opts}", {"keep_files": True}),
        ("venvy should forget {name}{opts}", {"keep_files": True}),
        ("drop {name} from the registry{opts}", {"keep_files": True}),
        ("untrack {name}{opts}", {"keep_files": True}),
        "throw away {name}{opts}", "delete {name}{opts}", "remove the {name} env{opts}",
        "wipe the {name} venv{opts}", "{name} can go{opts}", "ditch {name}{opts}",
    ],
    "shell-hook": [
        "how do I hook venvy into my shell{opts}", "show me the hook{opts}", "init script for venvy{opts}",
        "what should I add to my shell config{opts}", "give me the rc lines{opts}",
        "set up activation tracking{opts}", "I want usage tracking in my terminal{opts}",
        "shell startup snippet{opts}", "hook me up{opts}", "print the init code for my shell{opts}",
    ],
    "current": [
        "which env is on", "what's active right now", "am I inside a venv", "what venv is this",
        "current env?", "which virtualenv am I using", "is anything activated", "name of the active venv",
        "which environment is active here", "what env is loaded",
    ],
}

# A sentence of context before a request (dataset v3): neutral, it never changes the command.
CONTEXTS = ["I'm new to python. ", "working on a side project today. ", "just cloned a repo. ", "quick one. ",
            "sorry if this is obvious. ", "on my work laptop. ", "setting up my machine after a reinstall. ",
            "hi! first time using venvy. ", "so I'm following a tutorial. ", "long day. ",
            "context: I teach a python class. ", "my teammate told me to ask you. ", "ok. ",
            "I'm on a mac. ", "I use linux. ", "trying to get organised. "]
