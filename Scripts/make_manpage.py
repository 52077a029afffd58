#!/usr/bin/env python3
"""Writes hrexport.1 (man(7) roff) from the binary's structured help, `hrexport --experimental-dump-help`: the
same data ArgumentParser's generate-manual plugin reads, without the plugin's second build of the product.
Usage: make_manpage.py BINARY OUTPUT"""
import datetime
import json
import subprocess
import sys


def roff(text: str) -> str:
    text = (text or "").replace("\\", "\\\\").replace("`", "")
    return "\n".join(("\\&" + line) if line.startswith((".", "'")) else line for line in text.splitlines())


def names(arg) -> str:
    out = []
    for n in arg.get("names", []):
        out.append(("-" if n["kind"] == "short" else "--") + n["name"])
    return ", ".join(out) or f"<{arg.get('valueName', 'value')}>"


def options(cmd, lines):
    for arg in cmd.get("arguments", []):
        if not arg.get("shouldDisplay", True):
            continue
        label = names(arg)
        if arg["kind"] == "option":
            label += f" <{arg.get('valueName', 'value')}>"
        lines += [".TP", "\\fB" + roff(label) + "\\fR", roff(arg.get("abstract", ""))]
        if arg.get("defaultValue") not in (None, ""):
            lines.append("(default: " + roff(str(arg["defaultValue"])) + ")")


def main(binary: str, output: str):
    info = json.loads(subprocess.run([binary, "--experimental-dump-help"], capture_output=True, text=True, check=True).stdout)["command"]
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    date = datetime.date.today().isoformat()
    lines = [f'.TH HREXPORT 1 "{date}" "{roff(version)}" "User Commands"', ".SH NAME",
             "hrexport \\- " + roff(info.get("abstract", "")), ".SH SYNOPSIS", "\\fBhrexport\\fR \\fIcommand\\fR [\\fIoptions\\fR]",
             ".SH DESCRIPTION", roff(info.get("discussion", "")), ".SH COMMANDS"]
    for sub in info.get("subcommands", []):
        if sub["commandName"] == "help":
            continue
        lines += [".SS " + roff("hrexport " + sub["commandName"]), roff(sub.get("abstract", ""))]
        if sub.get("discussion"):
            lines += [".PP", roff(sub["discussion"])]
        for nested in sub.get("subcommands", []):
            if nested["commandName"] == "help":
                continue
            lines += [".PP", "\\fBhrexport " + roff(sub["commandName"] + " " + nested["commandName"]) + "\\fR: " + roff(nested.get("abstract", ""))]
            options(nested, lines)
        options(sub, lines)
    lines += [".SH FILES", "~/.config/hrexport/credentials/<source>-<user>.json (0600): the tokens; ~/.local/share/hrexport/<user>/: the export and its manifest.json",
              ".SH EXIT STATUS", "0 done; 1 some days failed; 2 usage or configuration error; 3 run hrexport auth; 4 another run holds the lock; 5 the API is gone.",
              ".SH SEE ALSO", "README.md beside this page, and hrexport <command> --help."]
    with open(output, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
