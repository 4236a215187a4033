"""Compositional frames (dataset v2): a request built from independent parts.

One choice per part: lead-in + verb phrase + object + {opts} + tail. One family is one
(command, verb group, shape); the split holds out whole families, while a family alone
yields hundreds of surface forms, so the model has to learn which words carry the
intent instead of memorizing whole templates. COMPOSED is what venvy.nl.pipeline.dataset
reads; the whole-request templates of dataset v1 are venvy.nl.pipeline.templates'.
"""

from __future__ import annotations

LEADS = ["", "", "", "", "please ", "can you ", "could you ", "hey venvy, ", "I want to ", "I'd like to ",
         "quick: ", "venvy, ", "pls ", "would you ", "help me ", "let's ", "go ahead and ", "I need to ", "ok, ",
         "yo, ", "now ", "hey, can you "]
Q_LEADS = ["", "", "", "hey, ", "quick question: ", "venvy, ", "so ", "um, ", "hey venvy, ", "question: ",
           "just wondering, "]
TAILS = ["", "", "", "", " please", " thanks", " pls", " for me", " now", "?", " thx", " asap", " real quick",
         " if you can", "!", ".", " thank you", " when you get a chance", ", cheers"]
Q_TAILS = ["", "", "?", "?", " ?", " please?", " thanks", "??", " right now?"]

# Objects (one venv / several venvs / a named venv); none of them contains a slot unless it says so.
ONE = ["a venv", "a new venv", "a virtualenv", "a new virtualenv", "a virtual environment", "an env",
       "a new env", "an environment", "a fresh environment", "a python env", "a python environment",
       "a new python venv", "a clean virtual env", "a sandbox env", "one more venv", "a project env", "venv",
       "new virtualenv", "env"]
MANY = ["my venvs", "all venvs", "the venvs", "all my virtualenvs", "my virtual environments", "the environments",
        "every env", "my envs", "all environments", "the python envs", "my python environments",
        "the virtual envs", "all of my venvs", "venvs", "virtualenvs", "environments", "the registered venvs",
        "envs", "my virtualenvs"]
NAMED = ["{name}", "{name}", "the {name} venv", "venv {name}", "my {name} environment", "env {name}",
         "the {name} env", "the environment called {name}", "the virtualenv named {name}", "{name} venv",
         "my {name} virtualenv", "the venv named {name}", "virtual environment {name}", "the {name} one"]
OLD = ["old venvs", "unused envs", "stale environments", "abandoned virtualenvs", "venvs I don't use anymore",
       "dusty envs", "forgotten environments", "old virtualenvs", "idle venvs", "environments nobody uses",
       "the stale venvs", "my unused virtual environments", "leftover envs", "inactive venvs"]
PLURAL = ["venvs", "envs", "environments", "virtualenvs", "virtual environments", "python envs", "of my venvs",
          "of my envs", "of the environments"]
FOUND = ["existing venvs", "venvs on disk", "virtualenvs I already have", "environments", "venvs",
         "all the envs lying around", "old virtual environments", "every virtualenv", "my venvs", "unregistered envs",
         "python environments", ".venv folders", "virtualenvs"]
HOOK = ["the shell hook", "the hook", "shell integration", "the activation hook", "the shell snippet",
        "the init snippet", "the shell init code", "the rc snippet", "the hook script", "venvy's shell hook",
        "the shell-hook", "the activation tracking snippet", "hook code"]
STATS = ["stats", "statistics", "totals", "a summary", "the numbers", "the overall totals", "a health report",
         "usage totals", "aggregate numbers", "a dashboard", "a summary of disk usage", "the grand totals"]

# Verb groups, by command: name -> verbs (each followed by a space and an object).
_V = {
    "create": {
        "create": ["create", "make", "make me", "build"],
        "setup": ["set up", "spin up", "stand up", "put together"],
        "new": ["init", "initialize", "bootstrap", "prepare"],
        "get": ["give me", "get me", "generate", "whip up", "provision"],
    },
    "ls": {
        "list": ["list", "ls", "enumerate", "print"],
        "show": ["show", "show me", "display", "let me see"],
        "see": ["give me", "bring up", "pull up", "view"],
    },
    "info": {
        "show": ["show info about", "show me details of", "display info on", "print details for"],
        "tell": ["tell me about", "describe", "what about", "explain"],
        "inspect": ["inspect", "look up", "check", "examine"],
        "details": ["give me the details of", "get info on", "fetch details on", "summarize"],
    },
    "register": {
        "register": ["register", "add", "enroll", "record"],
        "track": ["track", "start tracking", "watch", "keep track of"],
        "adopt": ["adopt", "import", "remember", "take over"],
    },
    "scan": {
        "find": ["find", "locate", "discover", "detect"],
        "search": ["search for", "look for", "scan for", "hunt for"],
        "collect": ["pick up", "round up", "collect", "track down"],
    },
    "stats": {
        "show": ["show", "show me", "display", "print"],
        "give": ["give me", "get me", "report", "compute"],
    },
    "cleanup": {
        "clean": ["clean up", "tidy up", "sweep", "prune"],
        "remove": ["remove", "delete", "purge", "drop"],
        "rid": ["get rid of", "clear out", "wipe", "trash"],
    },
    "rm": {
        "remove": ["remove", "delete", "rm", "erase"],
        "destroy": ["destroy", "nuke", "trash", "kill"],
        "rid": ["get rid of", "throw away", "scrap", "uninstall"],
        "drop": ["drop", "wipe", "dump", "ditch"],
    },
    "shell-hook": {
        "print": ["print", "show", "output", "dump"],
        "give": ["give me", "get me", "generate", "emit"],
        "install": ["set up", "install", "enable", "configure"],
    },
}

_ACTIVE = ["active", "activated", "on", "in use", "currently active", "turned on", "selected", "enabled"]

# Shapes, by command: name -> (parts after the verb, fixed params). A shape may also be a
# whole question (a tuple starting with Q_LEADS) that takes no verb group.
OPTS_MARK = "{opts}"


_TO_LEADS = ("I want to ", "I'd like to ", "I need to ", "help me ", "let's ")


def _imperative(verbs, objs, opts=True):
    # "I want to" + "show me" does not read: lead-in and verb are drawn as one part
    leads = [lead + verb for lead in LEADS for verb in verbs if not (lead in _TO_LEADS and verb.endswith(" me"))]
    return (leads, [" "], objs, [OPTS_MARK if opts else ""], TAILS)


def _question(*parts):
    return (Q_LEADS,) + tuple(p if isinstance(p, list) else [p] for p in parts) + (Q_TAILS,)


_BIGGEST = ["are the biggest", "take the most space", "use the most disk", "are largest", "eat the most disk",
            "are hogging space"]
_RECENT = ["did I use last", "have I used recently", "did I activate most recently", "were used lately",
           "have I touched lately"]
_CREATED = ["did I create last", "are the newest", "were made most recently", "did I set up recently",
            "are brand new"]

QUESTIONS: dict[str, list] = {
    "create": [
        ("how", _question(["how do I make", "how can I create", "how would I get", "how do I set up"],
                          " ", ONE, OPTS_MARK), {}),
        ("need", _question(["I need", "I want", "I'd like", "we need", "my project needs", "could I get"],
                           " ", ONE, OPTS_MARK), {}),
    ],
    "ls": [
        ("what", _question(["what", "which"], " ", ["venvs", "envs", "environments", "virtualenvs",
                                                     "virtual environments", "python envs"],
                           " ", ["do I have", "are there", "exist", "are registered", "does venvy know about",
                                 "are on this machine"], OPTS_MARK), {}),
        ("biggest", _question(["which", "what"], " ", PLURAL, " ", _BIGGEST, OPTS_MARK), {"sort": "size"}),
        ("eating", _question(["what's eating my disk", "what is using all my disk", "where did my disk space go",
                              "which envs hog my disk"], OPTS_MARK), {"sort": "size"}),
        ("recent", _question(["which", "what"], " ", PLURAL, " ", _RECENT, OPTS_MARK), {"sort": "recent"}),
        ("created", _question(["which", "what"], " ", PLURAL, " ", _CREATED, OPTS_MARK), {"sort": "created"}),
        ("pyfilter", _question(["which", "what"], " ", PLURAL, " ",
                               ["use {python}", "run {python}", "are on {python}", "still use {python}",
                                "were made with {python}"]), {}),
        ("anypy", _question(["do I have any", "are there any", "show me the", "list the"], " ",
                            ["venvs", "envs", "environments", "virtualenvs"], " ",
                            ["on {python}", "with {python}", "using {python}", "running {python}"]), {}),
    ],
    "info": [
        ("size", _question(["how big is", "what size is", "what's the size of"], " ", NAMED, OPTS_MARK), {}),
        ("space", _question(["how much space does", "how much disk does", "how many MB does"], " ", NAMED,
                            [" take", " use", " take up"], OPTS_MARK), {}),
        ("python", _question(["which python does", "what python version does", "what interpreter does"], " ",
                              NAMED, [" use", " run", " have"], OPTS_MARK), {}),
        ("where", _question(["where is", "where on disk is"], " ", NAMED, ["", " located", " stored"],
                            OPTS_MARK), {}),
        ("when", _question(["when did I last use", "when was I last in", "how long ago did I use",
                            "when was the last time I activated"], " ", NAMED, OPTS_MARK), {}),
        ("health", _question("is ", NAMED, [" broken", " healthy", " still working", " ok"], OPTS_MARK), {}),
        ("wrong", _question(["is everything ok with", "is something wrong with", "what's going on with"],
                            " ", NAMED, OPTS_MARK), {}),
    ],
    "register": [
        ("how", _question(["how do I register", "how can I add", "can venvy track", "can you add"], " ",
                          ["{path}", "the venv at {path}", "the env in {path}", "my venv in {path}"],
                          OPTS_MARK), {}),
        ("made", _question(["I made a venv at {path}", "there's a venv in {path}", "I already have an env at {path}",
                            "I created {path} by hand"], [", add it", ", track it", ", register it",
                                                           " - please register it", ", make venvy know it"],
                           OPTS_MARK), {}),
    ],
    "scan": [
        ("any", _question(["are there any", "do I have", "are there"], " ", FOUND, " ",
                          ["lying around", "hidden somewhere", "I forgot about", "on this machine", "not registered"],
                          OPTS_MARK), {}),
        ("lost", _question(["I have venvs all over the place", "I lost track of my envs",
                            "I have old virtualenvs everywhere", "venvy doesn't know my existing envs"],
                           [", find them", ", can you find them", ", go look", ", scan for them",
                            ", pick them up"], OPTS_MARK), {}),
    ],
    "current": [
        ("which", _question(["which", "what"], " ", ["venv", "env", "environment", "virtualenv",
                                                      "virtual environment", "python env"],
                            " is ", _ACTIVE, ["", " right now", " in this shell", " at the moment"]), {}),
        ("am", _question(["what", "which"], " ", ["venv", "env", "environment", "virtualenv"],
                         " am I ", ["in", "using", "on", "working in", "inside"], ["", " right now", " now"]), {}),
        ("show", _question(["show", "print", "tell me", "give me", "display"], " ",
                           ["the", "my", "the currently"], " ", _ACTIVE[:2] + ["current"], " ",
                           ["venv", "env", "environment", "virtualenv"]), {}),
        ("terse", _question(["current", "active", "activated"], " ", ["venv", "env", "environment", "virtualenv"])
         , {}),
        ("whats", _question(["what's", "what is", "tell me", "name"], " ", ["my current", "the current", "the active",
                                                                          "my active"], " ",
                            ["venv", "env", "environment", "virtualenv", "python env"]), {}),
        ("inside", _question(["am I in", "am I inside", "am I using", "is there"], " ",
                             ["a venv", "a virtualenv", "an env", "any environment", "a virtual environment"],
                             ["", " right now", " at the moment", " active", " currently"]), {}),
    ],
    "stats": [
        ("many", _question(["how many"], " ", ["venvs", "envs", "environments", "virtualenvs"], " ",
                           ["do I have", "are there", "are broken", "have gone unused", "exist in total",
                            "does venvy track"], OPTS_MARK), {}),
        ("much", _question(["how much disk do", "how much space do", "how much storage do"], " ", MANY,
                           [" use", " take up", " use in total"], OPTS_MARK), {}),
        ("total", _question(["what's the total size of", "what's the combined size of", "total disk used by"],
                            " ", MANY, OPTS_MARK), {}),
        ("broken", _question(["is anything broken", "are any envs broken", "is anything wrong with my venvs",
                              "are my environments healthy", "how healthy are my venvs"], OPTS_MARK), {}),
    ],
    "cleanup": [
        ("could", _question(["which", "what"], " ", OLD, " ", ["could go", "would cleanup delete",
                                                              "can I delete", "are safe to remove"],
                            OPTS_MARK), {"dry_run": True}),
        ("full", _question(["my disk is full", "I'm out of disk space", "I need space back",
                            "running low on disk"], [", ", " so ", " - "], _V["cleanup"]["remove"] + ["clean up"],
                           " ", OLD, OPTS_MARK), {}),
    ],
    "rm": [
        ("dont", _question(["I don't need", "I'm done with", "I no longer use", "we don't use"], " ", NAMED,
                           [" anymore", "", " now"], [", delete it", ", remove it", ", get rid of it", ", nuke it",
                                                      " - drop it"], OPTS_MARK), {}),
        ("how", _question(["how do I delete", "how can I remove", "how do I get rid of", "can you delete"], " ",
                          NAMED, OPTS_MARK), {}),
    ],
    "shell-hook": [
        ("how", _question(["how do I", "how can I", "how would I"], " ",
                          ["make venvy notice when I activate", "track activations", "hook venvy into my shell",
                           "set up shell integration", "get activation tracking", "let venvy see my activations",
                           "make venvy record last use"], OPTS_MARK), {}),
        ("rc", _question(["what do I put in my", "what goes in my", "what should I add to my", "what to add to my"],
                         " ", ["rc file", "shell profile", "startup file", "shell config", "dotfiles"],
                         [" for venvy", " so venvy tracks activations", ""], OPTS_MARK), {}),
    ],
}

# Imperative shapes, by command: name -> (objects, fixed params, takes opts).
_SHAPES: dict[str, dict] = {
    "create": {"one": (ONE, {}, True), "named": (["a venv named {name}", "an env called {name}",
                                                  "a virtualenv {name}", "{name} as a new venv",
                                                  "a new environment {name}", "env {name}"], {}, True)},
    "ls": {"many": (MANY, {}, True), "list": (["the venv list", "the list of envs", "a list of my venvs",
                                               "everything venvy knows", "the registry", "the full list of my envs"],
                                              {}, True),
           "size": ([m + " by size" for m in MANY[:8]] + ["the biggest venvs", "the largest envs"],
                    {"sort": "size"}, True)},
    "info": {"named": (NAMED, {}, True)},
    "register": {"path": (["{path}", "the venv at {path}", "the env in {path}", "my existing venv at {path}",
                           "the virtualenv under {path}", "{path} with venvy", "{path} in the registry"], {}, True),
                 "here": (["this venv", "the .venv here", "the venv in this folder", "my existing env",
                           "the current folder's venv", "this environment"], {}, True)},
    "scan": {"found": (FOUND, {}, True), "home": ([f + " in my home folder" for f in FOUND[:6]]
                                                  + ["everything under ~", "all envs in home"],
                                                  {"home": True}, True)},
    "stats": {"stats": (STATS, {}, True), "for": ([s + " for my venvs" for s in STATS[:6]]
                                                  + [s + " of all environments" for s in STATS[6:]], {}, True)},
    "cleanup": {"old": (OLD, {}, True), "idle": (["venvs idle longer than {days}", "envs unused for {days}",
                                                  "environments older than {days}",
                                                  "virtualenvs not touched in {days}"], {}, True)},
    "rm": {"named": (NAMED, {}, True),
           "unreg": ([n + r for n in NAMED[2:8] for r in (" from venvy but keep the files",
                                                         " from the registry, keep it on disk")],
                     {"keep_files": True}, True)},
    "shell-hook": {"hook": (HOOK, {}, True),
                   "mine": (["the hook for my shell", "the snippet for my rc file", "venvy's init code for my shell",
                             "the integration for my terminal", "the line for my shell profile"], {}, True)},
}


def composed_frames() -> dict[str, list]:
    """command -> [(family label, parts, fixed)]: every verb group x imperative shape, plus question shapes."""
    out: dict[str, list] = {}
    for cmd, shapes in _SHAPES.items():
        rows = out.setdefault(cmd, [])
        for group, verbs in _V[cmd].items():
            for shape, (objs, fixed, opts) in shapes.items():
                rows.append((f"{group}/{shape}", _imperative(verbs, objs, opts), fixed))
    for cmd, questions in QUESTIONS.items():
        out.setdefault(cmd, []).extend((f"q/{name}", parts, fixed) for name, parts, fixed in questions)
    return out


COMPOSED: dict[str, list] = composed_frames()
