/**
 * The shell side of completion: a function that hands the words on the command line to
 * `fizz __complete <index> <words…>` and offers what it prints (one word a line, or `:files`
 * for file names). Everything else (commands, flags, services, nodes) is decided in
 * complete.ts, once for the three shells. The binary is called by the name the user typed,
 * so `./bin/fizz.js` completes too once the function is bound to that name.
 */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const BASH = `# fizz completion for bash. Load it with: source <(fizz completion bash)
# or save it as /etc/bash_completion.d/fizz.
_fizz_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" out
  COMPREPLY=()
  out=$("\${COMP_WORDS[0]}" __complete "$((COMP_CWORD - 1))" "\${COMP_WORDS[@]:1}" 2>/dev/null) || return 0
  if [[ "$out" == ":files" ]]; then
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  elif [[ -n "$out" ]]; then
    mapfile -t COMPREPLY <<< "$out"
  fi
}
complete -F _fizz_complete fizz
`;

const ZSH = `#compdef fizz
# fizz completion for zsh. Load it with: source <(fizz completion zsh)
# (after compinit), or save it as _fizz in a directory of $fpath.
_fizz() {
  local -a out
  out=("\${(@f)$("\${words[1]}" __complete "$((CURRENT - 2))" "\${(@)words[2,-1]}" 2>/dev/null)}")
  if [[ "\${out[1]}" == ":files" ]]; then
    _files
  else
    compadd -- "\${(@)out:#}"
  fi
}
if [[ "\${funcstack[1]}" == "_fizz" ]]; then
  _fizz "$@"
else
  compdef _fizz fizz
fi
`;

const FISH = `# fizz completion for fish. Load it with: fizz completion fish | source
# or save it as ~/.config/fish/completions/fizz.fish.
function __fizz_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmd $words[1]
    set -e words[1]
    set -l out ($cmd __complete (count $words) $words $cur 2>/dev/null)
    if test "$out[1]" = ":files"
        __fish_complete_path $cur
    else
        printf '%s\\n' $out
    end
end
complete -c fizz -f -a '(__fizz_complete)'
`;

export function completionScript(shell: Shell): string {
  return { bash: BASH, zsh: ZSH, fish: FISH }[shell];
}
