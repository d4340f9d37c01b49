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
complete -c galley -n "__fish_galley_needs_command" -f -a "apt-sources" -d 'Find apt sources by file or repository URI on every selected host; with --remove, move them aside (backed up, restorable)'
complete -c galley -n "__fish_galley_needs_command" -f -a "converge" -d 'Run chef-client on every selected host, read its result, and confirm the run on the Chef server'
complete -c galley -n "__fish_galley_needs_command" -f -a "restart" -d 'Restart services in order and prove each restart: running, a new pid, up since the restart, still up after --settle'
complete -c galley -n "__fish_galley_needs_command" -f -a "fixup" -d 'The post-rotation playbook over one SSH session per host: remove stale apt sources, run chef-client, restart services, verify. A host stops at its first failed step'
complete -c galley -n "__fish_galley_needs_command" -f -a "status" -d 'Fleet convergence, as knife status: each node\'s last successful chef-client run (ohai_time), oldest first'
complete -c galley -n "__fish_galley_needs_command" -f -a "report" -d 'Read reports: the summary of one or more (shards, resumed runs: the latest outcome per host wins), or the hosts whose outcome changed between two'
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
complete -c galley -n "__fish_galley_using_subcommand run" -l command-timeout -d 'Stop a remote command that runs longer than this (500ms, 30s, 5m); its processes on the host are killed. Default: no limit' -r
complete -c galley -n "__fish_galley_using_subcommand run" -l output -d 'What to print on stdout' -r -f -a "summary\t'Counts, the hosts that are not ok, then outputs gathered across hosts'
stream\t'Each line as it arrives, prefixed with the node name: `name | line` for stdout, `name ! line` for stderr. Counts and failures go to stderr at the end'
json\t'One JSON document at the end'"
complete -c galley -n "__fish_galley_using_subcommand run" -l report -d 'Also write a JSON Lines report here: a header, one line per host as it finishes, a summary. It stays valid if galley is killed' -r -F
complete -c galley -n "__fish_galley_using_subcommand run" -l retry-failed -d 'Run only the selected hosts that were not ok in this earlier report, and, when that run was killed before its summary, those it never reported. QUERY still selects from the source. (--resume does the same and appends to that report.)' -r -F
complete -c galley -n "__fish_galley_using_subcommand run" -l resume -d 'Carry on an earlier run: run only the hosts that are not ok in its report (also one cut short by a crash or a kill), and append to that report under a new header, so the file tells the whole story' -r -F
complete -c galley -n "__fish_galley_using_subcommand run" -l canary -d 'Run on N hosts first (spread across environments and roles, the same pick every time); go on with the rest only if every one is ok' -r
complete -c galley -n "__fish_galley_using_subcommand run" -l max-failures -d 'Stop starting hosts once N hosts are not ok (1 is fail-fast), or once more than P% of the finished ones are not ok; the rest are skipped' -r
complete -c galley -n "__fish_galley_using_subcommand run" -l batch-size -d 'Start hosts in waves of N (or P% of the selection), after the canaries; --max-failures is checked within and between waves' -r
complete -c galley -n "__fish_galley_using_subcommand run" -l batch-pause -d 'Wait this long between waves (Ctrl-C stops the wait and the run)' -r
complete -c galley -n "__fish_galley_using_subcommand run" -l shard -d 'Act only on the K-th of N disjoint slices of the selected nodes (by a hash of the node name), so N runners cover the fleet exactly once' -r
complete -c galley -n "__fish_galley_using_subcommand run" -l max-output -d 'Output kept per host and stream (head and tail; the rest is counted)' -r
complete -c galley -n "__fish_galley_using_subcommand run" -s m -l manual-list -d 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]'
complete -c galley -n "__fish_galley_using_subcommand run" -l dry-run -d 'Print the plan (the hosts, the exact remote commands in order, the concurrency) and connect to nothing'
complete -c galley -n "__fish_galley_using_subcommand run" -l raw-output -d 'Show hosts\' output with its control characters as they came (colours, cursor moves, title changes reach the terminal). By default they are shown escaped (`\\e[31m`), so no host can rewrite what galley printed. Reports keep the bytes either way'
complete -c galley -n "__fish_galley_using_subcommand run" -l sudo -d 'Run the command under `sudo -n`: a host where sudo wants a password ends sudo_password_required instead of hanging'
complete -c galley -n "__fish_galley_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l inventory -d 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output' -r -F
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -s a -l attribute -d 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -s c -l config -d 'The knife config file (config.rb or knife.rb) instead of knife\'s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)' -r -F
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l profile -d 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l server-url -d 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -s u -l user -d 'The API client name' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -s k -l key -d 'The API client\'s private key file' -r -F
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l sign-version -d 'The request signing protocol (mixlib-authentication)' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l server-timeout -d 'Deadline for each request to the Chef server' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l search-rows -d 'Rows per page of partial search' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -s x -l ssh-user -d 'Login user. Default: the local user' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -s p -l ssh-port -d 'Port for every host, over the node\'s cloud.public_ssh_port' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -s i -l identity-file -d 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa' -r -F
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l connect-timeout -d 'Deadline for TCP connect, handshake and authentication together [default: ssh_config ConnectTimeout, else 10s]' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l host-key-check -d 'How to check host keys [default: ssh_config StrictHostKeyChecking, else strict]. A changed key is refused under every policy but off' -r -f -a "strict\t'Only keys already in a known_hosts file'
accept-new\t'Unknown keys are added to the user\'s known_hosts file; changed keys are refused'
off\t'No check at all (galley warns)'
chef\t'The keys in the node\'s Chef data (ohai\'s keys.ssh.host_*_public): a new host is checked without trusting it on first use'"
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -s F -l ssh-config -d 'The OpenSSH client config to read instead of ~/.ssh/config (Host, HostName, User, Port, IdentityFile, IdentitiesOnly, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, Include). Flags win over it; the node\'s cloud.public_ssh_port wins over its Port, as in knife' -r -F
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -s G -l ssh-gateway -d 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target\'s host key is still checked end to end' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l gateway-concurrency -d 'Channels open at once through one gateway' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l known-hosts -d 'The known_hosts file to read and (with accept-new) write, instead of ~/.ssh/known_hosts. /etc/ssh/ssh_known_hosts is read too' -r -F
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -s C -l concurrency -d 'How many hosts run at once' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l command-timeout -d 'Stop a remote command that runs longer than this (500ms, 30s, 5m); its processes on the host are killed. Default: no limit' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l output -d 'What to print on stdout' -r -f -a "summary\t'Counts, the hosts that are not ok, then outputs gathered across hosts'
stream\t'Each line as it arrives, prefixed with the node name: `name | line` for stdout, `name ! line` for stderr. Counts and failures go to stderr at the end'
json\t'One JSON document at the end'"
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l report -d 'Also write a JSON Lines report here: a header, one line per host as it finishes, a summary. It stays valid if galley is killed' -r -F
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l retry-failed -d 'Run only the selected hosts that were not ok in this earlier report, and, when that run was killed before its summary, those it never reported. QUERY still selects from the source. (--resume does the same and appends to that report.)' -r -F
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l resume -d 'Carry on an earlier run: run only the hosts that are not ok in its report (also one cut short by a crash or a kill), and append to that report under a new header, so the file tells the whole story' -r -F
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l canary -d 'Run on N hosts first (spread across environments and roles, the same pick every time); go on with the rest only if every one is ok' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l max-failures -d 'Stop starting hosts once N hosts are not ok (1 is fail-fast), or once more than P% of the finished ones are not ok; the rest are skipped' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l batch-size -d 'Start hosts in waves of N (or P% of the selection), after the canaries; --max-failures is checked within and between waves' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l batch-pause -d 'Wait this long between waves (Ctrl-C stops the wait and the run)' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l shard -d 'Act only on the K-th of N disjoint slices of the selected nodes (by a hash of the node name), so N runners cover the fleet exactly once' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l max-output -d 'Output kept per host and stream (head and tail; the rest is counted)' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l match -d 'Sources whose file path or repository URI matches this regular expression (Rust regex syntax; the URI is matched with its credentials, which are never shown)' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l restore -d 'Put back what the run with this backup id removed (the id is in its summary and report: apt-sources-20261125T203000Z)' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l sources-dir -d 'The apt folder on the hosts: its sources.list, sources.list.d/*.list and sources.list.d/*.sources are searched' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l backup-dir -d 'Where removed sources are kept, one dated folder per run (the backup id), from which --restore puts them back' -r
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -s m -l manual-list -d 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]'
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l dry-run -d 'Print the plan (the hosts, the exact remote commands in order, the concurrency) and connect to nothing'
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l raw-output -d 'Show hosts\' output with its control characters as they came (colours, cursor moves, title changes reach the terminal). By default they are shown escaped (`\\e[31m`), so no host can rewrite what galley printed. Reports keep the bytes either way'
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -l remove -d 'Remove the matching sources: files are moved into the backup folder, lines of sources.list are commented out (the file is backed up first). Without it, nothing changes'
complete -c galley -n "__fish_galley_using_subcommand apt-sources" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c galley -n "__fish_galley_using_subcommand converge" -l inventory -d 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output' -r -F
complete -c galley -n "__fish_galley_using_subcommand converge" -s a -l attribute -d 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -s c -l config -d 'The knife config file (config.rb or knife.rb) instead of knife\'s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)' -r -F
complete -c galley -n "__fish_galley_using_subcommand converge" -l profile -d 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -l server-url -d 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -s u -l user -d 'The API client name' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -s k -l key -d 'The API client\'s private key file' -r -F
complete -c galley -n "__fish_galley_using_subcommand converge" -l sign-version -d 'The request signing protocol (mixlib-authentication)' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -l server-timeout -d 'Deadline for each request to the Chef server' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -l search-rows -d 'Rows per page of partial search' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -s x -l ssh-user -d 'Login user. Default: the local user' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -s p -l ssh-port -d 'Port for every host, over the node\'s cloud.public_ssh_port' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -s i -l identity-file -d 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa' -r -F
complete -c galley -n "__fish_galley_using_subcommand converge" -l connect-timeout -d 'Deadline for TCP connect, handshake and authentication together [default: ssh_config ConnectTimeout, else 10s]' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -l host-key-check -d 'How to check host keys [default: ssh_config StrictHostKeyChecking, else strict]. A changed key is refused under every policy but off' -r -f -a "strict\t'Only keys already in a known_hosts file'
accept-new\t'Unknown keys are added to the user\'s known_hosts file; changed keys are refused'
off\t'No check at all (galley warns)'
chef\t'The keys in the node\'s Chef data (ohai\'s keys.ssh.host_*_public): a new host is checked without trusting it on first use'"
complete -c galley -n "__fish_galley_using_subcommand converge" -s F -l ssh-config -d 'The OpenSSH client config to read instead of ~/.ssh/config (Host, HostName, User, Port, IdentityFile, IdentitiesOnly, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, Include). Flags win over it; the node\'s cloud.public_ssh_port wins over its Port, as in knife' -r -F
complete -c galley -n "__fish_galley_using_subcommand converge" -s G -l ssh-gateway -d 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target\'s host key is still checked end to end' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -l gateway-concurrency -d 'Channels open at once through one gateway' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -l known-hosts -d 'The known_hosts file to read and (with accept-new) write, instead of ~/.ssh/known_hosts. /etc/ssh/ssh_known_hosts is read too' -r -F
complete -c galley -n "__fish_galley_using_subcommand converge" -s C -l concurrency -d 'How many hosts run at once' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -l command-timeout -d 'Stop a remote command that runs longer than this (500ms, 30s, 5m); its processes on the host are killed. Default: no limit' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -l output -d 'What to print on stdout' -r -f -a "summary\t'Counts, the hosts that are not ok, then outputs gathered across hosts'
stream\t'Each line as it arrives, prefixed with the node name: `name | line` for stdout, `name ! line` for stderr. Counts and failures go to stderr at the end'
json\t'One JSON document at the end'"
complete -c galley -n "__fish_galley_using_subcommand converge" -l report -d 'Also write a JSON Lines report here: a header, one line per host as it finishes, a summary. It stays valid if galley is killed' -r -F
complete -c galley -n "__fish_galley_using_subcommand converge" -l retry-failed -d 'Run only the selected hosts that were not ok in this earlier report, and, when that run was killed before its summary, those it never reported. QUERY still selects from the source. (--resume does the same and appends to that report.)' -r -F
complete -c galley -n "__fish_galley_using_subcommand converge" -l resume -d 'Carry on an earlier run: run only the hosts that are not ok in its report (also one cut short by a crash or a kill), and append to that report under a new header, so the file tells the whole story' -r -F
complete -c galley -n "__fish_galley_using_subcommand converge" -l canary -d 'Run on N hosts first (spread across environments and roles, the same pick every time); go on with the rest only if every one is ok' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -l max-failures -d 'Stop starting hosts once N hosts are not ok (1 is fail-fast), or once more than P% of the finished ones are not ok; the rest are skipped' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -l batch-size -d 'Start hosts in waves of N (or P% of the selection), after the canaries; --max-failures is checked within and between waves' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -l batch-pause -d 'Wait this long between waves (Ctrl-C stops the wait and the run)' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -l shard -d 'Act only on the K-th of N disjoint slices of the selected nodes (by a hash of the node name), so N runners cover the fleet exactly once' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -l max-output -d 'Output kept per host and stream (head and tail; the rest is counted)' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -l chef-client-cmd -d 'The chef-client command on the hosts (run as root: under `sudo -n` when the login user is not root)' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -l run-lock-timeout -d 'How long chef-client waits for another run\'s lock before it gives up (passed as --run-lock-timeout; chef-client alone waits forever)' -r
complete -c galley -n "__fish_galley_using_subcommand converge" -l server-check -d 'Confirm each successful run on the Chef server: the node\'s ohai_time must move past the moment the run started, else the host is unverified. auto: when the nodes come from a Chef server' -r -f -a "auto\t'When the nodes come from a Chef server'
on\t'Always (a Chef server must be configured)'
off\t'Never'"
complete -c galley -n "__fish_galley_using_subcommand converge" -s m -l manual-list -d 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]'
complete -c galley -n "__fish_galley_using_subcommand converge" -l dry-run -d 'Print the plan (the hosts, the exact remote commands in order, the concurrency) and connect to nothing'
complete -c galley -n "__fish_galley_using_subcommand converge" -l raw-output -d 'Show hosts\' output with its control characters as they came (colours, cursor moves, title changes reach the terminal). By default they are shown escaped (`\\e[31m`), so no host can rewrite what galley printed. Reports keep the bytes either way'
complete -c galley -n "__fish_galley_using_subcommand converge" -l why-run -d 'chef-client\'s dry run (--why-run): report what would change'
complete -c galley -n "__fish_galley_using_subcommand converge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c galley -n "__fish_galley_using_subcommand restart" -l inventory -d 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output' -r -F
complete -c galley -n "__fish_galley_using_subcommand restart" -s a -l attribute -d 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -s c -l config -d 'The knife config file (config.rb or knife.rb) instead of knife\'s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)' -r -F
complete -c galley -n "__fish_galley_using_subcommand restart" -l profile -d 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -l server-url -d 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -s u -l user -d 'The API client name' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -s k -l key -d 'The API client\'s private key file' -r -F
complete -c galley -n "__fish_galley_using_subcommand restart" -l sign-version -d 'The request signing protocol (mixlib-authentication)' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -l server-timeout -d 'Deadline for each request to the Chef server' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -l search-rows -d 'Rows per page of partial search' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -s x -l ssh-user -d 'Login user. Default: the local user' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -s p -l ssh-port -d 'Port for every host, over the node\'s cloud.public_ssh_port' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -s i -l identity-file -d 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa' -r -F
complete -c galley -n "__fish_galley_using_subcommand restart" -l connect-timeout -d 'Deadline for TCP connect, handshake and authentication together [default: ssh_config ConnectTimeout, else 10s]' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -l host-key-check -d 'How to check host keys [default: ssh_config StrictHostKeyChecking, else strict]. A changed key is refused under every policy but off' -r -f -a "strict\t'Only keys already in a known_hosts file'
accept-new\t'Unknown keys are added to the user\'s known_hosts file; changed keys are refused'
off\t'No check at all (galley warns)'
chef\t'The keys in the node\'s Chef data (ohai\'s keys.ssh.host_*_public): a new host is checked without trusting it on first use'"
complete -c galley -n "__fish_galley_using_subcommand restart" -s F -l ssh-config -d 'The OpenSSH client config to read instead of ~/.ssh/config (Host, HostName, User, Port, IdentityFile, IdentitiesOnly, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, Include). Flags win over it; the node\'s cloud.public_ssh_port wins over its Port, as in knife' -r -F
complete -c galley -n "__fish_galley_using_subcommand restart" -s G -l ssh-gateway -d 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target\'s host key is still checked end to end' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -l gateway-concurrency -d 'Channels open at once through one gateway' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -l known-hosts -d 'The known_hosts file to read and (with accept-new) write, instead of ~/.ssh/known_hosts. /etc/ssh/ssh_known_hosts is read too' -r -F
complete -c galley -n "__fish_galley_using_subcommand restart" -s C -l concurrency -d 'How many hosts run at once' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -l command-timeout -d 'Stop a remote command that runs longer than this (500ms, 30s, 5m); its processes on the host are killed. Default: no limit' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -l output -d 'What to print on stdout' -r -f -a "summary\t'Counts, the hosts that are not ok, then outputs gathered across hosts'
stream\t'Each line as it arrives, prefixed with the node name: `name | line` for stdout, `name ! line` for stderr. Counts and failures go to stderr at the end'
json\t'One JSON document at the end'"
complete -c galley -n "__fish_galley_using_subcommand restart" -l report -d 'Also write a JSON Lines report here: a header, one line per host as it finishes, a summary. It stays valid if galley is killed' -r -F
complete -c galley -n "__fish_galley_using_subcommand restart" -l retry-failed -d 'Run only the selected hosts that were not ok in this earlier report, and, when that run was killed before its summary, those it never reported. QUERY still selects from the source. (--resume does the same and appends to that report.)' -r -F
complete -c galley -n "__fish_galley_using_subcommand restart" -l resume -d 'Carry on an earlier run: run only the hosts that are not ok in its report (also one cut short by a crash or a kill), and append to that report under a new header, so the file tells the whole story' -r -F
complete -c galley -n "__fish_galley_using_subcommand restart" -l canary -d 'Run on N hosts first (spread across environments and roles, the same pick every time); go on with the rest only if every one is ok' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -l max-failures -d 'Stop starting hosts once N hosts are not ok (1 is fail-fast), or once more than P% of the finished ones are not ok; the rest are skipped' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -l batch-size -d 'Start hosts in waves of N (or P% of the selection), after the canaries; --max-failures is checked within and between waves' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -l batch-pause -d 'Wait this long between waves (Ctrl-C stops the wait and the run)' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -l shard -d 'Act only on the K-th of N disjoint slices of the selected nodes (by a hash of the node name), so N runners cover the fleet exactly once' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -l max-output -d 'Output kept per host and stream (head and tail; the rest is counted)' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -l ctl -d 'An omnibus control command (gitlab-ctl, packagecloud-ctl): `NAME restart SERVICE`, state from `NAME status SERVICE` (runit)' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -l settle -d 'How long a restarted service must stay up, with the same pid, before its restart counts as proven' -r
complete -c galley -n "__fish_galley_using_subcommand restart" -s m -l manual-list -d 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]'
complete -c galley -n "__fish_galley_using_subcommand restart" -l dry-run -d 'Print the plan (the hosts, the exact remote commands in order, the concurrency) and connect to nothing'
complete -c galley -n "__fish_galley_using_subcommand restart" -l raw-output -d 'Show hosts\' output with its control characters as they came (colours, cursor moves, title changes reach the terminal). By default they are shown escaped (`\\e[31m`), so no host can rewrite what galley printed. Reports keep the bytes either way'
complete -c galley -n "__fish_galley_using_subcommand restart" -l systemd -d 'systemd units: `systemctl restart UNIT`, state from `systemctl show`'
complete -c galley -n "__fish_galley_using_subcommand restart" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c galley -n "__fish_galley_using_subcommand fixup" -l inventory -d 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output' -r -F
complete -c galley -n "__fish_galley_using_subcommand fixup" -s a -l attribute -d 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -s c -l config -d 'The knife config file (config.rb or knife.rb) instead of knife\'s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)' -r -F
complete -c galley -n "__fish_galley_using_subcommand fixup" -l profile -d 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l server-url -d 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -s u -l user -d 'The API client name' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -s k -l key -d 'The API client\'s private key file' -r -F
complete -c galley -n "__fish_galley_using_subcommand fixup" -l sign-version -d 'The request signing protocol (mixlib-authentication)' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l server-timeout -d 'Deadline for each request to the Chef server' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l search-rows -d 'Rows per page of partial search' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -s x -l ssh-user -d 'Login user. Default: the local user' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -s p -l ssh-port -d 'Port for every host, over the node\'s cloud.public_ssh_port' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -s i -l identity-file -d 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa' -r -F
complete -c galley -n "__fish_galley_using_subcommand fixup" -l connect-timeout -d 'Deadline for TCP connect, handshake and authentication together [default: ssh_config ConnectTimeout, else 10s]' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l host-key-check -d 'How to check host keys [default: ssh_config StrictHostKeyChecking, else strict]. A changed key is refused under every policy but off' -r -f -a "strict\t'Only keys already in a known_hosts file'
accept-new\t'Unknown keys are added to the user\'s known_hosts file; changed keys are refused'
off\t'No check at all (galley warns)'
chef\t'The keys in the node\'s Chef data (ohai\'s keys.ssh.host_*_public): a new host is checked without trusting it on first use'"
complete -c galley -n "__fish_galley_using_subcommand fixup" -s F -l ssh-config -d 'The OpenSSH client config to read instead of ~/.ssh/config (Host, HostName, User, Port, IdentityFile, IdentitiesOnly, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, Include). Flags win over it; the node\'s cloud.public_ssh_port wins over its Port, as in knife' -r -F
complete -c galley -n "__fish_galley_using_subcommand fixup" -s G -l ssh-gateway -d 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target\'s host key is still checked end to end' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l gateway-concurrency -d 'Channels open at once through one gateway' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l known-hosts -d 'The known_hosts file to read and (with accept-new) write, instead of ~/.ssh/known_hosts. /etc/ssh/ssh_known_hosts is read too' -r -F
complete -c galley -n "__fish_galley_using_subcommand fixup" -s C -l concurrency -d 'How many hosts run at once' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l command-timeout -d 'Stop a remote command that runs longer than this (500ms, 30s, 5m); its processes on the host are killed. Default: no limit' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l output -d 'What to print on stdout' -r -f -a "summary\t'Counts, the hosts that are not ok, then outputs gathered across hosts'
stream\t'Each line as it arrives, prefixed with the node name: `name | line` for stdout, `name ! line` for stderr. Counts and failures go to stderr at the end'
json\t'One JSON document at the end'"
complete -c galley -n "__fish_galley_using_subcommand fixup" -l report -d 'Also write a JSON Lines report here: a header, one line per host as it finishes, a summary. It stays valid if galley is killed' -r -F
complete -c galley -n "__fish_galley_using_subcommand fixup" -l retry-failed -d 'Run only the selected hosts that were not ok in this earlier report, and, when that run was killed before its summary, those it never reported. QUERY still selects from the source. (--resume does the same and appends to that report.)' -r -F
complete -c galley -n "__fish_galley_using_subcommand fixup" -l resume -d 'Carry on an earlier run: run only the hosts that are not ok in its report (also one cut short by a crash or a kill), and append to that report under a new header, so the file tells the whole story' -r -F
complete -c galley -n "__fish_galley_using_subcommand fixup" -l canary -d 'Run on N hosts first (spread across environments and roles, the same pick every time); go on with the rest only if every one is ok' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l max-failures -d 'Stop starting hosts once N hosts are not ok (1 is fail-fast), or once more than P% of the finished ones are not ok; the rest are skipped' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l batch-size -d 'Start hosts in waves of N (or P% of the selection), after the canaries; --max-failures is checked within and between waves' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l batch-pause -d 'Wait this long between waves (Ctrl-C stops the wait and the run)' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l shard -d 'Act only on the K-th of N disjoint slices of the selected nodes (by a hash of the node name), so N runners cover the fleet exactly once' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l max-output -d 'Output kept per host and stream (head and tail; the rest is counted)' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l remove-sources -d 'Step 1: remove the apt sources matching this regular expression (moved to the backup folder, as `galley apt-sources --remove`)' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l restart -d 'Step 3: restart these services, in order (repeat the flag, or unicorn,nginx)' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l sources-dir -d 'The apt folder on the hosts: its sources.list, sources.list.d/*.list and sources.list.d/*.sources are searched' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l backup-dir -d 'Where removed sources are kept, one dated folder per run (the backup id), from which --restore puts them back' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l chef-client-cmd -d 'The chef-client command on the hosts (run as root: under `sudo -n` when the login user is not root)' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l run-lock-timeout -d 'How long chef-client waits for another run\'s lock before it gives up (passed as --run-lock-timeout; chef-client alone waits forever)' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l server-check -d 'Confirm each successful run on the Chef server: the node\'s ohai_time must move past the moment the run started, else the host is unverified. auto: when the nodes come from a Chef server' -r -f -a "auto\t'When the nodes come from a Chef server'
on\t'Always (a Chef server must be configured)'
off\t'Never'"
complete -c galley -n "__fish_galley_using_subcommand fixup" -l ctl -d 'An omnibus control command (gitlab-ctl, packagecloud-ctl): `NAME restart SERVICE`, state from `NAME status SERVICE` (runit)' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -l settle -d 'How long a restarted service must stay up, with the same pid, before its restart counts as proven' -r
complete -c galley -n "__fish_galley_using_subcommand fixup" -s m -l manual-list -d 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]'
complete -c galley -n "__fish_galley_using_subcommand fixup" -l dry-run -d 'Print the plan (the hosts, the exact remote commands in order, the concurrency) and connect to nothing'
complete -c galley -n "__fish_galley_using_subcommand fixup" -l raw-output -d 'Show hosts\' output with its control characters as they came (colours, cursor moves, title changes reach the terminal). By default they are shown escaped (`\\e[31m`), so no host can rewrite what galley printed. Reports keep the bytes either way'
complete -c galley -n "__fish_galley_using_subcommand fixup" -l no-converge -d 'Skip step 2, chef-client'
complete -c galley -n "__fish_galley_using_subcommand fixup" -l why-run -d 'chef-client\'s dry run (--why-run): report what would change'
complete -c galley -n "__fish_galley_using_subcommand fixup" -l systemd -d 'systemd units: `systemctl restart UNIT`, state from `systemctl show`'
complete -c galley -n "__fish_galley_using_subcommand fixup" -s h -l help -d 'Print help (see more with \'--help\')'
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
complete -c galley -n "__fish_galley_using_subcommand report; and not __fish_seen_subcommand_from show diff help" -s h -l help -d 'Print help'
complete -c galley -n "__fish_galley_using_subcommand report; and not __fish_seen_subcommand_from show diff help" -f -a "show" -d 'The summary and gathered outputs of one or more reports, merged: each host\'s latest outcome wins. Exits 0 when every host is ok, 1 otherwise'
complete -c galley -n "__fish_galley_using_subcommand report; and not __fish_seen_subcommand_from show diff help" -f -a "diff" -d 'The hosts whose outcome differs between two reports (a host missing from one counts). Exits 0 when none does, 1 otherwise'
complete -c galley -n "__fish_galley_using_subcommand report; and not __fish_seen_subcommand_from show diff help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c galley -n "__fish_galley_using_subcommand report; and __fish_seen_subcommand_from show" -l format -d 'table: the human summary; json: one document' -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array, for programs'"
complete -c galley -n "__fish_galley_using_subcommand report; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c galley -n "__fish_galley_using_subcommand report; and __fish_seen_subcommand_from diff" -l format -r -f -a "table\t'Aligned columns for people'
json\t'One JSON array, for programs'"
complete -c galley -n "__fish_galley_using_subcommand report; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c galley -n "__fish_galley_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "show" -d 'The summary and gathered outputs of one or more reports, merged: each host\'s latest outcome wins. Exits 0 when every host is ok, 1 otherwise'
complete -c galley -n "__fish_galley_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "diff" -d 'The hosts whose outcome differs between two reports (a host missing from one counts). Exits 0 when none does, 1 otherwise'
complete -c galley -n "__fish_galley_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c galley -n "__fish_galley_using_subcommand man" -l markdown -d 'Print the reference as one Markdown page instead (every subcommand\'s --help: docs/reference.md)'
complete -c galley -n "__fish_galley_using_subcommand man" -s h -l help -d 'Print help'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run apt-sources converge restart fixup status report config completions man help" -f -a "search" -d 'List the nodes a query selects: address, environment, platform, last chef-client check-in'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run apt-sources converge restart fixup status report config completions man help" -f -a "run" -d 'Run a command on every selected host over SSH, in parallel'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run apt-sources converge restart fixup status report config completions man help" -f -a "apt-sources" -d 'Find apt sources by file or repository URI on every selected host; with --remove, move them aside (backed up, restorable)'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run apt-sources converge restart fixup status report config completions man help" -f -a "converge" -d 'Run chef-client on every selected host, read its result, and confirm the run on the Chef server'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run apt-sources converge restart fixup status report config completions man help" -f -a "restart" -d 'Restart services in order and prove each restart: running, a new pid, up since the restart, still up after --settle'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run apt-sources converge restart fixup status report config completions man help" -f -a "fixup" -d 'The post-rotation playbook over one SSH session per host: remove stale apt sources, run chef-client, restart services, verify. A host stops at its first failed step'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run apt-sources converge restart fixup status report config completions man help" -f -a "status" -d 'Fleet convergence, as knife status: each node\'s last successful chef-client run (ohai_time), oldest first'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run apt-sources converge restart fixup status report config completions man help" -f -a "report" -d 'Read reports: the summary of one or more (shards, resumed runs: the latest outcome per host wins), or the hosts whose outcome changed between two'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run apt-sources converge restart fixup status report config completions man help" -f -a "config" -d 'Show the Chef server settings galley found, and where each came from (credentials profile, config.rb/knife.rb line, or flag). Never shows the key itself'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run apt-sources converge restart fixup status report config completions man help" -f -a "completions" -d 'Print a shell completion script, or write all of them to a folder'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run apt-sources converge restart fixup status report config completions man help" -f -a "man" -d 'Print galley\'s man page (roff), or write every page to a folder'
complete -c galley -n "__fish_galley_using_subcommand help; and not __fish_seen_subcommand_from search run apt-sources converge restart fixup status report config completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c galley -n "__fish_galley_using_subcommand help; and __fish_seen_subcommand_from report" -f -a "show" -d 'The summary and gathered outputs of one or more reports, merged: each host\'s latest outcome wins. Exits 0 when every host is ok, 1 otherwise'
complete -c galley -n "__fish_galley_using_subcommand help; and __fish_seen_subcommand_from report" -f -a "diff" -d 'The hosts whose outcome differs between two reports (a host missing from one counts). Exits 0 when none does, 1 otherwise'
