
use builtin;
use str;

set edit:completion:arg-completer[galley] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'galley'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'galley'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand search 'List the nodes a query selects: address, environment, platform, last chef-client check-in'
            cand completions 'Print a shell completion script, or write all of them to a folder'
            cand man 'Print galley''s man page (roff), or write every page to a folder'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'galley;search'= {
            cand --inventory 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output'
            cand -a 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does'
            cand --attribute 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does'
            cand --format 'How to print the nodes'
            cand -m 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]'
            cand --manual-list 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]'
            cand -l 'Show every attribute of each node, flattened as Chef search indexes it (the field names a query can use)'
            cand --long 'Show every attribute of each node, flattened as Chef search indexes it (the field names a query can use)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'galley;completions'= {
            cand --dir 'Write the scripts for every shell into this folder instead'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'galley;man'= {
            cand --dir 'Write galley.1 and one page per subcommand into this folder instead'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'galley;help'= {
            cand search 'List the nodes a query selects: address, environment, platform, last chef-client check-in'
            cand completions 'Print a shell completion script, or write all of them to a folder'
            cand man 'Print galley''s man page (roff), or write every page to a folder'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'galley;help;search'= {
        }
        &'galley;help;completions'= {
        }
        &'galley;help;man'= {
        }
        &'galley;help;help'= {
        }
    ]
    $completions[$command]
}
