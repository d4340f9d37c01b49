# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_galley_global_optspecs
    string join \n h/help V/version
end

function __fish_galley_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_galley_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_galley_using_subcommand
    set -l cmd (__fish_galley_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c galley -n "__fish_galley_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c galley -n "__fish_galley_needs_command" -s V -l version -d 'Print version'
complete -c galley -n "__fish_galley_needs_command" -f -a "search" -d 'List the nodes a query selects: address, environment, platform, last chef-client check-in'
complete -c galley -n "__fish_galley_needs_command" -f -a "run" -d 'Run a command on every selected host over SSH, in parallel'
complete -c galley -n "__fish_galley_needs_command" -f -a "status" -d 'Fleet convergence, as knife status: each node\'s last successful chef-client run (ohai_time), oldest first'
complete -c galley -n "__fish_galley_needs_command" -f -a "config" -d 'Show the Chef server settings galley found, and where each came from (credentials profile, config.rb/knife.rb line, or flag). Never shows the key itself'
complete -c galley -n "__fish_galley_needs_command" -f -a "completions" -d 'Print a shell completion script, or write all of them to a folder'
complete -c galley -n "__fish_galley_needs_command" -f -a "man" -d 'Print galley\'s man page (roff), or write every page to a folder'
complete -c galley -n "__fish_galley_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c galley -n "__fish_galley_using_subcommand search" -l inventory -d 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output' -r -F
complete -c galley -n "__fish_galley_using_subcommand search" -s a -l attribute -d 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does' -r
complete -c galley -n "__fish_galley_using_subcommand search" -s c -l config -d 'The knife config file (config.rb or knife.rb) instead of knife\'s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)' -r -F
complete -c galley -n "__fish_galley_using_subcommand search" -l profile -d 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]' -r
complete -c galley -n "__fish_galley_using_subcommand search" -l server-url -d 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)' -r
complete -c galley -n "__fish_galley_using_subcommand search" -s u -l user -d 'The API client name' -r
complete -c galley -n "__fish_galley_using_subcommand search" -s k -l key -d 'The API client\'s private key file' -r -F
complete -c galley -n "__fish_galley_using_subcommand search" -l sign-version -d 'The request signing protocol (mixlib-authentication)' -r
complete -c galley -n "__fish_galley_using_subcommand search" -l server-timeout -d 'Deadline for each request to the Chef server' -r
complete -c galley -n "__fish_galley_using_subcommand search" -l search-rows -d 'Rows per page of partial search' -r
complete -c galley -n "__fish_galley_using_subcommand search" -l format -d 'How to print the nodes' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array, for programs'"
complete -c galley -n "__fish_galley_using_subcommand search" -s m -l manual-list -d 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]'
complete -c galley -n "__fish_galley_using_subcommand search" -s l -l long -d 'Show every attribute of each node, flattened as Chef search indexes it (the field names a query can use)'
complete -c galley -n "__fish_galley_using_subcommand search" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c galley -n "__fish_galley_using_subcommand run" -l inventory -d 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output' -r -F
complete -c galley -n "__fish_galley_using_subcommand run" -s a -l attribute -d 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does' -r
complete -c galley -n "__fish_galley_using_subcommand run" -s c -l config -d 'The knife config file (config.rb or knife.rb) instead of knife\'s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)' -r -F
complete -c galley -n "__fish_galley_using_subcommand run" -l profile -d 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]' -r
complete -c galley -n "__fish_galley_using_subcommand run" -l server-url -d 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)' -r
complete -c galley -n "__fish_galley_using_subcommand run" -s u -l user -d 'The API client name' -r
complete -c galley -n "__fish_galley_using_subcommand run" -s k -l key -d 'The API client\'s private key file' -r -F
complete -c galley -n "__fish_galley_using_subcommand run" -l sign-version -d 'The request signing protocol (mixlib-authentication)' -r
complete -c galley -n "__fish_galley_using_subcommand run" -l server-timeout -d 'Deadline for each request to the Chef server' -r
complete -c galley -n "__fish_galley_using_subcommand run" -l search-rows -d 'Rows per page of partial search' -r
complete -c galley -n "__fish_galley_using_subcommand run" -s x -l ssh-user -d 'Login user. Default: the local user' -r
complete -c galley -n "__fish_galley_using_subcommand run" -s p -l ssh-port -d 'Port for every host, over the node\'s cloud.public_ssh_port' -r
complete -c galley -n "__fish_galley_using_subcommand run" -s i -l identity-file -d 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa' -r -F
complete -c galley -n "__fish_galley_using_subcommand run" -l connect-timeout -d 'Deadline for TCP connect, handshake and authentication together [default: ssh_config ConnectTimeout, else 10s]' -r
complete -c galley -n "__fish_galley_using_subcommand run" -l host-key-check -d 'How to check host keys [default: ssh_config StrictHostKeyChecking, else strict]. A changed key is refused under every policy but off' -r -f -a "strict\t'Only keys already in a known_hosts file'
accept-new\t'Unknown keys are added to the user\'s known_hosts file; changed keys are refused'
off\t'No check at all (galley warns)'
chef\t'The keys in the node\'s Chef data (ohai\'s keys.ssh.host_*_public): a new host is checked without trusting it on first use'"
complete -c galley -n "__fish_galley_using_subcommand run" -s F -l ssh-config -d 'The OpenSSH client config to read instead of ~/.ssh/config (Host, HostName, User, Port, IdentityFile, IdentitiesOnly, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, Include). Flags win over it; the node\'s cloud.public_ssh_port wins over its Port, as in knife' -r -F
complete -c galley -n "__fish_galley_using_subcommand run" -s G -l ssh-gateway -d 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target\'s host key is still checked end to end' -r
complete -c galley -n "__fish_galley_using_subcommand run" -l gateway-concurrency -d 'Channels open at once through one gateway' -r
complete -c galley -n "__fish_galley_using_subcommand run" -l known-hosts -d 'The known_hosts file to read and (with accept-new) write, instead of ~/.ssh/known_hosts. /etc/ssh/ssh_known_hosts is read too' -r -F
complete -c galley -n "__fish_galley_using_subcommand run" -s C -l concurrency -d 'How many hosts run at once' -r
complete -c galley -n "__fish_galley_using_subcommand run" -l command-timeout -d 'Stop a command that runs longer than this (500ms, 30s, 5m); its processes on the host are killed. Default: no limit' -r
complete -c galley -n "__fish_galley_using_subcommand run" -l output -d 'What to print on stdout' -r -f -a "summary\t'Counts, the hosts that are not ok, then outputs gathered across hosts'
stream\t'Each line as it arrives, prefixed with the node name: `name | line` for stdout, `name ! line` for stderr. Counts and failures go to stderr at the end'
json\t'One JSON document at the end'"
complete -c galley -n "__fish_galley_using_subcommand run" -l report -d 'Also write a JSON Lines report here: a header, one line per host as it finishes, a summary. It stays valid if galley is killed' -r -F
complete -c galley -n "__fish_galley_using_subcommand run" -l retry-failed -d 'Run only the selected hosts that were not ok in this earlier report, and, when that run was killed before its summary, those it never reported. QUERY still selects from the source' -r -F
complete -c galley -n "__fish_galley_using_subcommand run" -l max-output -d 'Output kept per host and stream (head and tail; the rest is counted)' -r
complete -c galley -n "__fish_galley_using_subcommand run" -s m -l manual-list -d 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]'
complete -c galley -n "__fish_galley_using_subcommand run" -l sudo -d 'Run the command under `sudo -n`: a host where sudo wants a password ends sudo_password_required instead of hanging'
complete -c galley -n "__fish_galley_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c galley -n "__fish_galley_using_subcommand status" -l inventory -d 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output' -r -F
complete -c galley -n "__fish_galley_using_subcommand status" -s a -l attribute -d 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does' -r
complete -c galley -n "__fish_galley_using_subcommand status" -s c -l config -d 'The knife config file (config.rb or knife.rb) instead of knife\'s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)' -r -F
complete -c galley -n "__fish_galley_using_subcommand status" -l profile -d 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]' -r
complete -c galley -n "__fish_galley_using_subcommand status" -l server-url -d 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)' -r
complete -c galley -n "__fish_galley_using_subcommand status" -s u -l user -d 'The API client name' -r
complete -c galley -n "__fish_galley_using_subcommand status" -s k -l key -d 'The API client\'s private key file' -r -F
complete -c galley -n "__fish_galley_using_subcommand status" -l sign-version -d 'The request signing protocol (mixlib-authentication)' -r
complete -c galley -n "__fish_galley_using_subcommand status" -l server-timeout -d 'Deadline for each request to the Chef server' -r
complete -c galley -n "__fish_galley_using_subcommand status" -l search-rows -d 'Rows per page of partial search' -r
complete -c galley -n "__fish_galley_using_subcommand status" -l stale-after -d 'Flag nodes whose last successful run is older than this (90m, 2h)' -r
complete -c galley -n "__fish_galley_using_subcommand status" -l since -d 'Flag nodes whose last successful run is before this moment (2026-11-25T12:00:00Z, or a time ago such as -2h): did every node converge after the rotation?' -r
complete -c galley -n "__fish_galley_using_subcommand status" -l format -d 'How to print the nodes' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array, for programs'"
complete -c galley -n "__fish_galley_using_subcommand status" -s m -l manual-list -d 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]'
complete -c galley -n "__fish_galley_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c galley -n "__fish_galley_using_subcommand config" -s c -l config -d 'The knife config file (config.rb or knife.rb) instead of knife\'s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)' -r -F
complete -c galley -n "__fish_galley_using_subcommand config" -l profile -d 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]' -r
complete -c galley -n "__fish_galley_using_subcommand config" -l server-url -d 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)' -r
complete -c galley -n "__fish_galley_using_subcommand config" -s u -l user -d 'The API client name' -r
complete -c galley -n "__fish_galley_using_subcommand config" -s k -l key -d 'The API client\'s private key file' -r -F
complete -c galley -n "__fish_galley_using_subcommand config" -l sign-version -d 'The request signing protocol (mixlib-authentication)' -r
complete -c galley -n "__fish_galley_using_subcommand config" -l server-timeout -d 'Deadline for each request to the Chef server' -r
complete -c galley -n "__fish_galley_using_subcommand config" -l search-rows -d 'Rows per page of partial search' -r
complete -c galley -n "__fish_galley_using_subcommand config" -l format -d 'How to print the settings' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array, for programs'"
complete -c galley -n "__fish_galley_using_subcommand config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c galley -n "__fish_galley_using_subcommand completions" -l dir -d 'Write the scripts for every shell into this folder instead' -r -F
complete -c galley -n "__fish_galley_using_subcommand completions" -s h -l help -d 'Print help'
complete -c galley -n "__fish_galley_using_subcommand man" -l dir -d 'Write galley.1 and one page per subcommand into this folder instead' -r -F
complete -c galley -n "__fish_galley_using_subcommand man" -s h -l help -d 'Print help'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run status config completions man help" -f -a "search" -d 'List the nodes a query selects: address, environment, platform, last chef-client check-in'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run status config completions man help" -f -a "run" -d 'Run a command on every selected host over SSH, in parallel'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run status config completions man help" -f -a "status" -d 'Fleet convergence, as knife status: each node\'s last successful chef-client run (ohai_time), oldest first'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run status config completions man help" -f -a "config" -d 'Show the Chef server settings galley found, and where each came from (credentials profile, config.rb/knife.rb line, or flag). Never shows the key itself'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run status config completions man help" -f -a "completions" -d 'Print a shell completion script, or write all of them to a folder'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run status config completions man help" -f -a "man" -d 'Print galley\'s man page (roff), or write every page to a folder'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run status config completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
