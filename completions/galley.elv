
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
            cand run 'Run a command on every selected host over SSH, in parallel'
            cand status 'Fleet convergence, as knife status: each node''s last successful chef-client run (ohai_time), oldest first'
            cand config 'Show the Chef server settings galley found, and where each came from (credentials profile, config.rb/knife.rb line, or flag). Never shows the key itself'
            cand completions 'Print a shell completion script, or write all of them to a folder'
            cand man 'Print galley''s man page (roff), or write every page to a folder'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'galley;search'= {
            cand --inventory 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output'
            cand -a 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does'
            cand --attribute 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does'
            cand -c 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)'
            cand --config 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)'
            cand --profile 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]'
            cand --server-url 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)'
            cand -u 'The API client name'
            cand --user 'The API client name'
            cand -k 'The API client''s private key file'
            cand --key 'The API client''s private key file'
            cand --sign-version 'The request signing protocol (mixlib-authentication)'
            cand --server-timeout 'Deadline for each request to the Chef server'
            cand --search-rows 'Rows per page of partial search'
            cand --format 'How to print the nodes'
            cand -m 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]'
            cand --manual-list 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]'
            cand -l 'Show every attribute of each node, flattened as Chef search indexes it (the field names a query can use)'
            cand --long 'Show every attribute of each node, flattened as Chef search indexes it (the field names a query can use)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'galley;run'= {
            cand --inventory 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output'
            cand -a 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does'
            cand --attribute 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does'
            cand -c 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)'
            cand --config 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)'
            cand --profile 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]'
            cand --server-url 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)'
            cand -u 'The API client name'
            cand --user 'The API client name'
            cand -k 'The API client''s private key file'
            cand --key 'The API client''s private key file'
            cand --sign-version 'The request signing protocol (mixlib-authentication)'
            cand --server-timeout 'Deadline for each request to the Chef server'
            cand --search-rows 'Rows per page of partial search'
            cand -x 'Login user. Default: the local user'
            cand --ssh-user 'Login user. Default: the local user'
            cand -p 'Port for every host, over the node''s cloud.public_ssh_port'
            cand --ssh-port 'Port for every host, over the node''s cloud.public_ssh_port'
            cand -i 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa'
            cand --identity-file 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa'
            cand --connect-timeout 'Deadline for TCP connect, handshake and authentication together [default: ssh_config ConnectTimeout, else 10s]'
            cand --host-key-check 'How to check host keys [default: ssh_config StrictHostKeyChecking, else strict]. A changed key is refused under every policy but off'
            cand -F 'The OpenSSH client config to read instead of ~/.ssh/config (Host, HostName, User, Port, IdentityFile, IdentitiesOnly, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, Include). Flags win over it; the node''s cloud.public_ssh_port wins over its Port, as in knife'
            cand --ssh-config 'The OpenSSH client config to read instead of ~/.ssh/config (Host, HostName, User, Port, IdentityFile, IdentitiesOnly, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, Include). Flags win over it; the node''s cloud.public_ssh_port wins over its Port, as in knife'
            cand -G 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target''s host key is still checked end to end'
            cand --ssh-gateway 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target''s host key is still checked end to end'
            cand --gateway-concurrency 'Channels open at once through one gateway'
            cand --known-hosts 'The known_hosts file to read and (with accept-new) write, instead of ~/.ssh/known_hosts. /etc/ssh/ssh_known_hosts is read too'
            cand -C 'How many hosts run at once'
            cand --concurrency 'How many hosts run at once'
            cand --command-timeout 'Stop a command that runs longer than this (500ms, 30s, 5m); its processes on the host are killed. Default: no limit'
            cand --output 'What to print on stdout'
            cand --report 'Also write a JSON Lines report here: a header, one line per host as it finishes, a summary. It stays valid if galley is killed'
            cand --retry-failed 'Run only the selected hosts that were not ok in this earlier report, and, when that run was killed before its summary, those it never reported. QUERY still selects from the source'
            cand --max-output 'Output kept per host and stream (head and tail; the rest is counted)'
            cand -m 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]'
            cand --manual-list 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]'
            cand --sudo 'Run the command under `sudo -n`: a host where sudo wants a password ends sudo_password_required instead of hanging'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'galley;status'= {
            cand --inventory 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output'
            cand -a 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does'
            cand --attribute 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does'
            cand -c 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)'
            cand --config 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)'
            cand --profile 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]'
            cand --server-url 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)'
            cand -u 'The API client name'
            cand --user 'The API client name'
            cand -k 'The API client''s private key file'
            cand --key 'The API client''s private key file'
            cand --sign-version 'The request signing protocol (mixlib-authentication)'
            cand --server-timeout 'Deadline for each request to the Chef server'
            cand --search-rows 'Rows per page of partial search'
            cand --stale-after 'Flag nodes whose last successful run is older than this (90m, 2h)'
            cand --since 'Flag nodes whose last successful run is before this moment (2026-11-25T12:00:00Z, or a time ago such as -2h): did every node converge after the rotation?'
            cand --format 'How to print the nodes'
            cand -m 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]'
            cand --manual-list 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'galley;config'= {
            cand -c 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)'
            cand --config 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)'
            cand --profile 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]'
            cand --server-url 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)'
            cand -u 'The API client name'
            cand --user 'The API client name'
            cand -k 'The API client''s private key file'
            cand --key 'The API client''s private key file'
            cand --sign-version 'The request signing protocol (mixlib-authentication)'
            cand --server-timeout 'Deadline for each request to the Chef server'
            cand --search-rows 'Rows per page of partial search'
            cand --format 'How to print the settings'
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
            cand run 'Run a command on every selected host over SSH, in parallel'
            cand status 'Fleet convergence, as knife status: each node''s last successful chef-client run (ohai_time), oldest first'
            cand config 'Show the Chef server settings galley found, and where each came from (credentials profile, config.rb/knife.rb line, or flag). Never shows the key itself'
            cand completions 'Print a shell completion script, or write all of them to a folder'
            cand man 'Print galley''s man page (roff), or write every page to a folder'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'galley;help;search'= {
        }
        &'galley;help;run'= {
        }
        &'galley;help;status'= {
        }
        &'galley;help;config'= {
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
