//! The hard cases of the validator, one test each.

mod common;

use common::{codes, validate, validator};
use pyexec::models::TierChoice;

#[test]
fn rules_see_the_whole_tree() {
    let places = [
        (
            "nested block",
            "if True:\n    for x in []:\n        while x:\n            eval('1')\n",
        ),
        ("decorator", "@eval\ndef f(): pass\n"),
        (
            "decorator argument",
            "def d(x): return lambda f: f\n@d(eval)\ndef f(): pass\n",
        ),
        ("default argument", "def f(x=eval): pass\n"),
        ("keyword-only default", "def f(*, x=eval): pass\n"),
        ("annotation", "def f(x: eval('int')): pass\n"),
        ("class body", "class A:\n    x = eval\n"),
        ("class keyword", "class A(metaclass=eval): pass\n"),
        ("lambda body", "f = lambda: eval\n"),
        ("lambda default", "f = lambda x=eval: x\n"),
        ("list comprehension", "[eval for _ in ()]\n"),
        ("comprehension condition", "{x for x in () if eval}\n"),
        ("dict comprehension", "{k: eval for k in ()}\n"),
        ("generator", "(x for x in [eval])\n"),
        ("f-string field", "f'{eval}'\n"),
        ("f-string format spec", "f'{1:{eval}}'\n"),
        ("try handler", "try:\n    pass\nexcept eval:\n    pass\n"),
        ("with item", "with eval as e:\n    pass\n"),
        (
            "match guard",
            "match 1:\n    case _ if eval:\n        pass\n",
        ),
        ("async function", "async def f():\n    await eval\n"),
        ("type alias", "type X = eval\n"),
        ("starred", "print(*eval)\n"),
        ("slice", "x = [][eval:]\n"),
    ];
    for (place, source) in places {
        let result = validate(source);
        assert!(codes(&result).contains(&"PX201"), "{place}: {result:#?}");
    }
}

#[test]
fn identifiers_are_compared_after_nfkc_normalisation() {
    // Fullwidth letters normalise to `eval`; the mathematical bold `𝐨𝐩𝐞𝐧` to `open`.
    assert!(codes(&validate("\u{ff45}\u{ff56}\u{ff41}\u{ff4c}('1')\n")).contains(&"PX201"));
    assert!(codes(&validate("\u{1d428}\u{1d429}\u{1d41e}\u{1d427}('x')\n")).contains(&"PX100"));
    assert!(codes(&validate("x = int.__\u{ff42}ase__\n")).contains(&"PX300"));
}

#[test]
fn aliases_are_followed() {
    for source in [
        "import os as o\no.system('id')\n",
        "from os import system as s\ns('id')\n",
        "import os.path as p\n",
        "from subprocess import Popen as P\nP(['id'])\n",
    ] {
        assert!(!validate(source).valid, "{source}");
    }
    let result = validate("import os as o\no.system('id')\n");
    assert!(codes(&result).contains(&"PX101"));
    // Aliasing an allowed module changes nothing about what it may reach.
    let result = validate("import random as r\nr._os.system('id')\n");
    assert!(codes(&result).contains(&"PX304"));
}

#[test]
fn re_exports_through_allowed_modules_are_caught() {
    for (source, code) in [
        ("import random\nrandom._os\n", "PX304"),
        ("import json\njson.codecs\n", "PX304"),
        ("import uuid\nuuid.os\n", "PX304"),
        // `sys` reached through another module is still `sys`: a module as a value, and
        // only the attributes it is allowed with.
        ("import typing\ntyping.sys\n", "PX304"),
        ("import dataclasses\ndataclasses.sys.modules\n", "PX103"),
        ("import enum\nenum.bltns.open\n", "PX304"),
        (
            "import dataclasses\ndataclasses.inspect.currentframe\n",
            "PX301",
        ),
        ("from json import codecs\n", "PX304"),
        ("from random import _os\n", "PX304"),
    ] {
        let result = validate(source);
        assert!(codes(&result).contains(&code), "{source}: {result:#?}");
    }
}

#[test]
fn references_count_not_only_calls() {
    for source in [
        "f = open\n",
        "x = [eval]\n",
        "map(exec, [])\n",
        "g = print if 1 else vars\n",
    ] {
        assert!(!validate(source).valid, "{source}");
    }
}

#[test]
fn the_validator_never_executes_the_code() {
    let marker = std::env::temp_dir().join(format!("pyexec-never-run-{}", std::process::id()));
    let source = format!(
        "open({:?}, 'w').write('ran')\nprint(open({:?}).read())\n",
        marker, marker
    );
    let result = validate(&source);
    assert!(!result.valid);
    assert!(!marker.exists(), "validation must not run the code");
    // Even accepted code is only parsed: a program that would loop forever validates at once.
    let result = validate("while True:\n    pass\n");
    assert!(result.valid);
}

#[test]
fn any_parse_error_rejects_with_its_position() {
    for (source, line) in [
        ("def f(:\n    pass\n", 1),
        ("x = 1\ny = (\n", 3),
        ("print 'python 2'\n", 1),
        ("x = 'unterminated\n", 1),
        ("  indented = 1\n", 1),
        ("x = 1\n\tif y:\n", 2),
    ] {
        let result = validate(source);
        assert!(!result.valid, "{source:?} accepted");
        assert_eq!(codes(&result), vec!["PX001"], "{source:?}: {result:#?}");
        assert_eq!(result.findings[0].line, line, "{source:?}");
    }
}

#[test]
fn invalid_utf8_is_a_rejection_not_an_error() {
    let result = validator().validate_bytes(b"x = 1\ny = '\xff'\n", TierChoice::Auto);
    assert!(!result.valid);
    assert_eq!(codes(&result), vec!["PX001"]);
    assert_eq!(result.findings[0].line, 2);
}

#[test]
fn columns_count_characters_not_bytes() {
    let result = validate("s = 'ééé'; eval('1')\n");
    let finding = result
        .findings
        .iter()
        .find(|f| f.code == "PX201")
        .expect("found");
    assert_eq!(finding.column, 12);
}

#[test]
fn ordinary_programs_are_accepted() {
    for source in [
        "print(1 + 1)\n",
        "def f(x: int) -> int:\n    return x * 2\nprint(f(3))\n",
        "class A:\n    def __init__(self):\n        self.x = 1\n    def __repr__(self):\n        return f'A({self.x!r})'\n",
        "from collections import namedtuple\nP = namedtuple('P', 'x y')\nprint(P(1, 2)._replace(x=3)._asdict())\n",
        "import math\nprint(math.sqrt(2))\n",
        "from collections import Counter\nprint(Counter('abc'))\n",
        "print('{:>8.3f}'.format(3.14159))\n",
        "xs = [-1.5, -2.5, -3.5]\nprint(sorted(xs, key=lambda v: -v))\n",
        "print(getattr(object(), 'missing', None), hasattr([], 'append'))\n",
        "if __name__ == '__main__':\n    print(__name__)\n",
        "print(type(3).__name__, int.__doc__ is not None)\n",
    ] {
        let result = validate(source);
        assert!(result.valid, "{source}: {:#?}", result.findings);
    }
}

#[test]
fn imports_are_listed_in_order() {
    let result =
        validate("import math\nfrom collections import Counter\nimport math\nimport json as j\n");
    assert_eq!(result.imports, vec!["math", "collections", "json"]);
}

#[test]
fn a_path_built_in_exponentially_many_ways_is_refused_not_explored() {
    // Each name has 60 assignments, each naming the previous name: 60^4 ways to build `p3`,
    // every one of them a safe relative path. The walk has a budget instead of taking
    // minutes (or, deeper, hours): past it the path is refused as too complex to check.
    let mut source = String::from("import pandas as pd\n");
    for j in 0..60 {
        source.push_str(&format!("p0 = 'data/{j}'\n"));
    }
    for i in 1..4 {
        let prev = i - 1;
        for j in 0..60 {
            source.push_str(&format!("p{i} = p{prev} + '/{j}'\n"));
        }
    }
    source.push_str("pd.read_csv(p3)\n");
    let result = common::validator().validate(&source, pyexec::models::TierChoice::Heavy);
    assert!(!result.valid, "{:#?}", result.findings);
    let finding = result
        .findings
        .iter()
        .find(|f| f.code == "PX400")
        .unwrap_or_else(|| panic!("{:#?}", result.findings));
    assert!(
        finding.message.contains("too many ways"),
        "{}",
        finding.message
    );
    // A path built the ordinary way still passes.
    let ordinary =
        "import pandas as pd\nbase = 'data'\npath = base + '/sales.csv'\ndf = pd.read_csv(path)\n";
    let result = common::validator().validate(ordinary, pyexec::models::TierChoice::Heavy);
    assert!(
        !result.findings.iter().any(|f| f.code == "PX400"),
        "{:#?}",
        result.findings
    );
}

#[test]
fn names_bound_by_the_program_are_not_builtins_where_python_says_so() {
    // Parameters, lambda parameters, comprehension targets and module-level names assigned
    // before the statement that reads them are the program's own values.
    for source in [
        "def clean(input, vars=None):\n    return input.strip(), vars\n",
        "f = lambda format: format.upper()\n",
        "print([id for id in range(3)])\n",
        "input = [1, 2]\nprint(sum(input))\ndef g():\n    return input\n",
    ] {
        let result = validate(source);
        assert!(result.valid, "{source}: {:#?}", result.findings);
    }
    // Where the builtin can still be what the name means, it is judged as the builtin.
    for source in [
        "def f(vars=vars):\n    return vars\n",
        "print([vars for _ in range(2)])\n",
        "def f():\n    return vars()\nvars = 1\n",
        "x = input\ninput = 2\n",
        "input = 1\ndel input\nprint(input())\n",
        "G = getattr\n",
        // `global` in a nested function reaches the module's name, not the outer local.
        "def outer():\n    vars = 1\n    def inner():\n        global vars\n        return vars()\n    return inner\n",
        // A class body that binds a name reads it from the class, globals or builtins.
        "def outer():\n    vars = 1\n    class C:\n        x = vars()\n        vars = 2\n    return C\n",
    ] {
        assert!(
            codes(&validate(source)).contains(&"PX301"),
            "{source} was accepted"
        );
    }
}
