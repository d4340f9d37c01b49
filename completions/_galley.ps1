
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'galley' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'galley'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'galley' {
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'List the nodes a query selects: address, environment, platform, last chef-client check-in')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a command on every selected host over SSH, in parallel')
            [CompletionResult]::new('apt-sources', 'apt-sources', [CompletionResultType]::ParameterValue, 'Find apt sources by file or repository URI on every selected host; with --remove, move them aside (backed up, restorable)')
            [CompletionResult]::new('converge', 'converge', [CompletionResultType]::ParameterValue, 'Run chef-client on every selected host, read its result, and confirm the run on the Chef server')
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Restart services in order and prove each restart: running, a new pid, up since the restart, still up after --settle')
            [CompletionResult]::new('fixup', 'fixup', [CompletionResultType]::ParameterValue, 'The post-rotation playbook over one SSH session per host: remove stale apt sources, run chef-client, restart services, verify. A host stops at its first failed step')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Fleet convergence, as knife status: each node''s last successful chef-client run (ohai_time), oldest first')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Read reports: the summary of one or more (shards, resumed runs: the latest outcome per host wins), or the hosts whose outcome changed between two')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the Chef server settings galley found, and where each came from (credentials profile, config.rb/knife.rb line, or flag). Never shows the key itself')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the line that registers galley''s completion in a shell, or write every shell''s script to a folder')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print galley''s man page (roff), or write every page to a folder')
            [CompletionResult]::new('ssh-config', 'ssh-config', [CompletionResultType]::ParameterValue, 'Show how galley reaches each HOST: ssh_config resolved as `ssh -G HOST` prints it (the same keywords, so the two can be compared), then galley''s own decisions: route, deadlines, host key policy')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'galley;search' {
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does')
            [CompletionResult]::new('--attribute', '--attribute', [CompletionResultType]::ParameterName, 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]')
            [CompletionResult]::new('--server-url', '--server-url', [CompletionResultType]::ParameterName, 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'The API client name')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The API client name')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'The API client''s private key file')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The API client''s private key file')
            [CompletionResult]::new('--sign-version', '--sign-version', [CompletionResultType]::ParameterName, 'The request signing protocol (mixlib-authentication)')
            [CompletionResult]::new('--server-timeout', '--server-timeout', [CompletionResultType]::ParameterName, 'Deadline for each request to the Chef server')
            [CompletionResult]::new('--search-rows', '--search-rows', [CompletionResultType]::ParameterName, 'Rows per page of partial search')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to print the nodes')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]')
            [CompletionResult]::new('--manual-list', '--manual-list', [CompletionResultType]::ParameterName, 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]')
            [CompletionResult]::new('--ignore-case', '--ignore-case', [CompletionResultType]::ParameterName, 'Match field names and values regardless of ASCII case (platform:debian finds Debian). galley''s own: Chef Server matches case-sensitively, so this works with --inventory only, and the plan and summary say it is on')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Show every attribute of each node, flattened as Chef search indexes it (the field names a query can use)')
            [CompletionResult]::new('--long', '--long', [CompletionResultType]::ParameterName, 'Show every attribute of each node, flattened as Chef search indexes it (the field names a query can use)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'galley;run' {
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does')
            [CompletionResult]::new('--attribute', '--attribute', [CompletionResultType]::ParameterName, 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]')
            [CompletionResult]::new('--server-url', '--server-url', [CompletionResultType]::ParameterName, 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'The API client name')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The API client name')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'The API client''s private key file')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The API client''s private key file')
            [CompletionResult]::new('--sign-version', '--sign-version', [CompletionResultType]::ParameterName, 'The request signing protocol (mixlib-authentication)')
            [CompletionResult]::new('--server-timeout', '--server-timeout', [CompletionResultType]::ParameterName, 'Deadline for each request to the Chef server')
            [CompletionResult]::new('--search-rows', '--search-rows', [CompletionResultType]::ParameterName, 'Rows per page of partial search')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Login user. Default: the local user')
            [CompletionResult]::new('--ssh-user', '--ssh-user', [CompletionResultType]::ParameterName, 'Login user. Default: the local user')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port for every host, over the node''s cloud.public_ssh_port')
            [CompletionResult]::new('--ssh-port', '--ssh-port', [CompletionResultType]::ParameterName, 'Port for every host, over the node''s cloud.public_ssh_port')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa')
            [CompletionResult]::new('--identity-file', '--identity-file', [CompletionResultType]::ParameterName, 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Deadline for the connection, the SSH version exchange and the key exchange, as ssh_config''s ConnectTimeout (through gateways: each hop''s) [default: ssh_config ConnectTimeout, else 10s for the TCP connection and 30s with the key exchange]')
            [CompletionResult]::new('--login-timeout', '--login-timeout', [CompletionResultType]::ParameterName, 'Deadline for logging in after the key exchange: the host key check and authentication. A loaded host can take over 10s; OpenSSH''s client sets no limit there (sshd''s LoginGraceTime is 120s) [default: 30s]')
            [CompletionResult]::new('--host-key-check', '--host-key-check', [CompletionResultType]::ParameterName, 'How to check host keys [default: ssh_config StrictHostKeyChecking, else strict]. A changed key is refused under every policy but off')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'The OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config (none: no file). Read as ssh reads it, Host, Match and Include included; galley uses HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump, ProxyCommand, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias and the algorithm lists, and refuses, naming file and line, a setting that would make ssh connect another way. Flags win over it; the node''s cloud.public_ssh_port wins over its Port, as in knife. `galley ssh-config HOST` shows the result')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'The OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config (none: no file). Read as ssh reads it, Host, Match and Include included; galley uses HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump, ProxyCommand, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias and the algorithm lists, and refuses, naming file and line, a setting that would make ssh connect another way. Flags win over it; the node''s cloud.public_ssh_port wins over its Port, as in knife. `galley ssh-config HOST` shows the result')
            [CompletionResult]::new('-G', '-G ', [CompletionResultType]::ParameterName, 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target''s host key is still checked end to end')
            [CompletionResult]::new('--ssh-gateway', '--ssh-gateway', [CompletionResultType]::ParameterName, 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target''s host key is still checked end to end')
            [CompletionResult]::new('--gateway-concurrency', '--gateway-concurrency', [CompletionResultType]::ParameterName, 'Channels open at once through one gateway')
            [CompletionResult]::new('--known-hosts', '--known-hosts', [CompletionResultType]::ParameterName, 'The known_hosts file to read and (with accept-new) write, instead of ssh_config''s UserKnownHostsFile or ~/.ssh/known_hosts and known_hosts2. The global files (/etc/ssh/ssh_known_hosts) are read too')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'How many hosts run at once')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many hosts run at once')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Stop a remote command that runs longer than this (500ms, 30s, 5m); its processes on the host are killed. Default: no limit')
            [CompletionResult]::new('--drain-timeout', '--drain-timeout', [CompletionResultType]::ParameterName, 'Once the remote command has exited, wait at most this long for processes it started (`daemon &`) to release its output; then end the host with the command''s exit status and a note. Such processes are left running')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Also write a JSON Lines report here: a header, one line per host as it finishes, a summary. It stays valid if galley is killed. It is created readable by you only; an existing file is never written over (--resume adds to it, --overwrite-report replaces it)')
            [CompletionResult]::new('--retry-failed', '--retry-failed', [CompletionResultType]::ParameterName, 'Run only the selected hosts that were not ok in this earlier report, and, when that run was killed before its summary, those it never reported. QUERY still selects from the source. (--resume does the same and appends to that report.)')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Carry on an earlier run: run only the hosts that are not ok in its report (also one cut short by a crash or a kill), and append to that report under a new header, so the file tells the whole story')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'Run on N hosts first (spread across environments and roles, the same pick every time); go on with the rest only if every one is ok')
            [CompletionResult]::new('--max-failures', '--max-failures', [CompletionResultType]::ParameterName, 'Stop starting hosts once N hosts are not ok (1 is fail-fast), or once more than P% of the finished ones are not ok; the rest are skipped')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Start hosts in waves of N (or P% of the selection), after the canaries; --max-failures is checked within and between waves')
            [CompletionResult]::new('--batch-pause', '--batch-pause', [CompletionResultType]::ParameterName, 'Wait this long between waves (Ctrl-C stops the wait and the run)')
            [CompletionResult]::new('--exclude-report', '--exclude-report', [CompletionResultType]::ParameterName, 'Leave out the hosts this report holds, whatever their outcome (the canaries a CI pipeline ran in an earlier job)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Act only on the K-th of N disjoint slices of the selected nodes (by a hash of the node name), so N runners cover the fleet exactly once. `auto`: the slice GitLab CI''s `parallel: N` gives this job (CI_NODE_INDEX/CI_NODE_TOTAL)')
            [CompletionResult]::new('--max-output', '--max-output', [CompletionResultType]::ParameterName, 'Output kept per host and stream (head and tail; the rest is counted)')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]')
            [CompletionResult]::new('--manual-list', '--manual-list', [CompletionResultType]::ParameterName, 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]')
            [CompletionResult]::new('--ignore-case', '--ignore-case', [CompletionResultType]::ParameterName, 'Match field names and values regardless of ASCII case (platform:debian finds Debian). galley''s own: Chef Server matches case-sensitively, so this works with --inventory only, and the plan and summary say it is on')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (the hosts, the exact remote commands in order, the concurrency) and connect to nothing')
            [CompletionResult]::new('--raw-output', '--raw-output', [CompletionResultType]::ParameterName, 'Show hosts'' output with its control characters as they came (colours, cursor moves, title changes reach the terminal). By default they are shown escaped (`\e[31m`), so no host can rewrite what galley printed. Reports keep the bytes either way')
            [CompletionResult]::new('--overwrite-report', '--overwrite-report', [CompletionResultType]::ParameterName, 'Replace the --report file if it exists')
            [CompletionResult]::new('--sudo', '--sudo', [CompletionResultType]::ParameterName, 'Run the command under `sudo -n`: a host where sudo wants a password ends sudo_password_required instead of hanging')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'galley;apt-sources' {
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does')
            [CompletionResult]::new('--attribute', '--attribute', [CompletionResultType]::ParameterName, 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]')
            [CompletionResult]::new('--server-url', '--server-url', [CompletionResultType]::ParameterName, 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'The API client name')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The API client name')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'The API client''s private key file')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The API client''s private key file')
            [CompletionResult]::new('--sign-version', '--sign-version', [CompletionResultType]::ParameterName, 'The request signing protocol (mixlib-authentication)')
            [CompletionResult]::new('--server-timeout', '--server-timeout', [CompletionResultType]::ParameterName, 'Deadline for each request to the Chef server')
            [CompletionResult]::new('--search-rows', '--search-rows', [CompletionResultType]::ParameterName, 'Rows per page of partial search')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Login user. Default: the local user')
            [CompletionResult]::new('--ssh-user', '--ssh-user', [CompletionResultType]::ParameterName, 'Login user. Default: the local user')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port for every host, over the node''s cloud.public_ssh_port')
            [CompletionResult]::new('--ssh-port', '--ssh-port', [CompletionResultType]::ParameterName, 'Port for every host, over the node''s cloud.public_ssh_port')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa')
            [CompletionResult]::new('--identity-file', '--identity-file', [CompletionResultType]::ParameterName, 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Deadline for the connection, the SSH version exchange and the key exchange, as ssh_config''s ConnectTimeout (through gateways: each hop''s) [default: ssh_config ConnectTimeout, else 10s for the TCP connection and 30s with the key exchange]')
            [CompletionResult]::new('--login-timeout', '--login-timeout', [CompletionResultType]::ParameterName, 'Deadline for logging in after the key exchange: the host key check and authentication. A loaded host can take over 10s; OpenSSH''s client sets no limit there (sshd''s LoginGraceTime is 120s) [default: 30s]')
            [CompletionResult]::new('--host-key-check', '--host-key-check', [CompletionResultType]::ParameterName, 'How to check host keys [default: ssh_config StrictHostKeyChecking, else strict]. A changed key is refused under every policy but off')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'The OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config (none: no file). Read as ssh reads it, Host, Match and Include included; galley uses HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump, ProxyCommand, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias and the algorithm lists, and refuses, naming file and line, a setting that would make ssh connect another way. Flags win over it; the node''s cloud.public_ssh_port wins over its Port, as in knife. `galley ssh-config HOST` shows the result')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'The OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config (none: no file). Read as ssh reads it, Host, Match and Include included; galley uses HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump, ProxyCommand, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias and the algorithm lists, and refuses, naming file and line, a setting that would make ssh connect another way. Flags win over it; the node''s cloud.public_ssh_port wins over its Port, as in knife. `galley ssh-config HOST` shows the result')
            [CompletionResult]::new('-G', '-G ', [CompletionResultType]::ParameterName, 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target''s host key is still checked end to end')
            [CompletionResult]::new('--ssh-gateway', '--ssh-gateway', [CompletionResultType]::ParameterName, 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target''s host key is still checked end to end')
            [CompletionResult]::new('--gateway-concurrency', '--gateway-concurrency', [CompletionResultType]::ParameterName, 'Channels open at once through one gateway')
            [CompletionResult]::new('--known-hosts', '--known-hosts', [CompletionResultType]::ParameterName, 'The known_hosts file to read and (with accept-new) write, instead of ssh_config''s UserKnownHostsFile or ~/.ssh/known_hosts and known_hosts2. The global files (/etc/ssh/ssh_known_hosts) are read too')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'How many hosts run at once')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many hosts run at once')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Stop a remote command that runs longer than this (500ms, 30s, 5m); its processes on the host are killed. Default: no limit')
            [CompletionResult]::new('--drain-timeout', '--drain-timeout', [CompletionResultType]::ParameterName, 'Once the remote command has exited, wait at most this long for processes it started (`daemon &`) to release its output; then end the host with the command''s exit status and a note. Such processes are left running')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Also write a JSON Lines report here: a header, one line per host as it finishes, a summary. It stays valid if galley is killed. It is created readable by you only; an existing file is never written over (--resume adds to it, --overwrite-report replaces it)')
            [CompletionResult]::new('--retry-failed', '--retry-failed', [CompletionResultType]::ParameterName, 'Run only the selected hosts that were not ok in this earlier report, and, when that run was killed before its summary, those it never reported. QUERY still selects from the source. (--resume does the same and appends to that report.)')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Carry on an earlier run: run only the hosts that are not ok in its report (also one cut short by a crash or a kill), and append to that report under a new header, so the file tells the whole story')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'Run on N hosts first (spread across environments and roles, the same pick every time); go on with the rest only if every one is ok')
            [CompletionResult]::new('--max-failures', '--max-failures', [CompletionResultType]::ParameterName, 'Stop starting hosts once N hosts are not ok (1 is fail-fast), or once more than P% of the finished ones are not ok; the rest are skipped')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Start hosts in waves of N (or P% of the selection), after the canaries; --max-failures is checked within and between waves')
            [CompletionResult]::new('--batch-pause', '--batch-pause', [CompletionResultType]::ParameterName, 'Wait this long between waves (Ctrl-C stops the wait and the run)')
            [CompletionResult]::new('--exclude-report', '--exclude-report', [CompletionResultType]::ParameterName, 'Leave out the hosts this report holds, whatever their outcome (the canaries a CI pipeline ran in an earlier job)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Act only on the K-th of N disjoint slices of the selected nodes (by a hash of the node name), so N runners cover the fleet exactly once. `auto`: the slice GitLab CI''s `parallel: N` gives this job (CI_NODE_INDEX/CI_NODE_TOTAL)')
            [CompletionResult]::new('--max-output', '--max-output', [CompletionResultType]::ParameterName, 'Output kept per host and stream (head and tail; the rest is counted)')
            [CompletionResult]::new('--match', '--match', [CompletionResultType]::ParameterName, 'Sources whose file name (gitlab_pre-release.list) or repository URI matches this regular expression (Rust regex syntax; the URI is matched with its credentials, which are never shown)')
            [CompletionResult]::new('--restore', '--restore', [CompletionResultType]::ParameterName, 'Put back what the run with this backup id removed (the id is in its summary and report: apt-sources-20261125T203000Z)')
            [CompletionResult]::new('--sources-dir', '--sources-dir', [CompletionResultType]::ParameterName, 'The apt folder on the hosts: its sources.list, sources.list.d/*.list and sources.list.d/*.sources are searched')
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'Where removed sources are kept, one dated folder per run (the backup id), from which --restore puts them back')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]')
            [CompletionResult]::new('--manual-list', '--manual-list', [CompletionResultType]::ParameterName, 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]')
            [CompletionResult]::new('--ignore-case', '--ignore-case', [CompletionResultType]::ParameterName, 'Match field names and values regardless of ASCII case (platform:debian finds Debian). galley''s own: Chef Server matches case-sensitively, so this works with --inventory only, and the plan and summary say it is on')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (the hosts, the exact remote commands in order, the concurrency) and connect to nothing')
            [CompletionResult]::new('--raw-output', '--raw-output', [CompletionResultType]::ParameterName, 'Show hosts'' output with its control characters as they came (colours, cursor moves, title changes reach the terminal). By default they are shown escaped (`\e[31m`), so no host can rewrite what galley printed. Reports keep the bytes either way')
            [CompletionResult]::new('--overwrite-report', '--overwrite-report', [CompletionResultType]::ParameterName, 'Replace the --report file if it exists')
            [CompletionResult]::new('--match-path', '--match-path', [CompletionResultType]::ParameterName, 'Match --match against each file''s whole path (/etc/apt/sources.list.d/x.list) instead of its name')
            [CompletionResult]::new('--remove', '--remove', [CompletionResultType]::ParameterName, 'Remove the matching sources: files are moved into the backup folder, lines of sources.list are commented out (the file is backed up first). Without it, nothing changes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'galley;converge' {
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does')
            [CompletionResult]::new('--attribute', '--attribute', [CompletionResultType]::ParameterName, 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]')
            [CompletionResult]::new('--server-url', '--server-url', [CompletionResultType]::ParameterName, 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'The API client name')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The API client name')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'The API client''s private key file')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The API client''s private key file')
            [CompletionResult]::new('--sign-version', '--sign-version', [CompletionResultType]::ParameterName, 'The request signing protocol (mixlib-authentication)')
            [CompletionResult]::new('--server-timeout', '--server-timeout', [CompletionResultType]::ParameterName, 'Deadline for each request to the Chef server')
            [CompletionResult]::new('--search-rows', '--search-rows', [CompletionResultType]::ParameterName, 'Rows per page of partial search')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Login user. Default: the local user')
            [CompletionResult]::new('--ssh-user', '--ssh-user', [CompletionResultType]::ParameterName, 'Login user. Default: the local user')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port for every host, over the node''s cloud.public_ssh_port')
            [CompletionResult]::new('--ssh-port', '--ssh-port', [CompletionResultType]::ParameterName, 'Port for every host, over the node''s cloud.public_ssh_port')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa')
            [CompletionResult]::new('--identity-file', '--identity-file', [CompletionResultType]::ParameterName, 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Deadline for the connection, the SSH version exchange and the key exchange, as ssh_config''s ConnectTimeout (through gateways: each hop''s) [default: ssh_config ConnectTimeout, else 10s for the TCP connection and 30s with the key exchange]')
            [CompletionResult]::new('--login-timeout', '--login-timeout', [CompletionResultType]::ParameterName, 'Deadline for logging in after the key exchange: the host key check and authentication. A loaded host can take over 10s; OpenSSH''s client sets no limit there (sshd''s LoginGraceTime is 120s) [default: 30s]')
            [CompletionResult]::new('--host-key-check', '--host-key-check', [CompletionResultType]::ParameterName, 'How to check host keys [default: ssh_config StrictHostKeyChecking, else strict]. A changed key is refused under every policy but off')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'The OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config (none: no file). Read as ssh reads it, Host, Match and Include included; galley uses HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump, ProxyCommand, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias and the algorithm lists, and refuses, naming file and line, a setting that would make ssh connect another way. Flags win over it; the node''s cloud.public_ssh_port wins over its Port, as in knife. `galley ssh-config HOST` shows the result')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'The OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config (none: no file). Read as ssh reads it, Host, Match and Include included; galley uses HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump, ProxyCommand, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias and the algorithm lists, and refuses, naming file and line, a setting that would make ssh connect another way. Flags win over it; the node''s cloud.public_ssh_port wins over its Port, as in knife. `galley ssh-config HOST` shows the result')
            [CompletionResult]::new('-G', '-G ', [CompletionResultType]::ParameterName, 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target''s host key is still checked end to end')
            [CompletionResult]::new('--ssh-gateway', '--ssh-gateway', [CompletionResultType]::ParameterName, 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target''s host key is still checked end to end')
            [CompletionResult]::new('--gateway-concurrency', '--gateway-concurrency', [CompletionResultType]::ParameterName, 'Channels open at once through one gateway')
            [CompletionResult]::new('--known-hosts', '--known-hosts', [CompletionResultType]::ParameterName, 'The known_hosts file to read and (with accept-new) write, instead of ssh_config''s UserKnownHostsFile or ~/.ssh/known_hosts and known_hosts2. The global files (/etc/ssh/ssh_known_hosts) are read too')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'How many hosts run at once')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many hosts run at once')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Stop a remote command that runs longer than this (500ms, 30s, 5m); its processes on the host are killed. Default: no limit')
            [CompletionResult]::new('--drain-timeout', '--drain-timeout', [CompletionResultType]::ParameterName, 'Once the remote command has exited, wait at most this long for processes it started (`daemon &`) to release its output; then end the host with the command''s exit status and a note. Such processes are left running')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Also write a JSON Lines report here: a header, one line per host as it finishes, a summary. It stays valid if galley is killed. It is created readable by you only; an existing file is never written over (--resume adds to it, --overwrite-report replaces it)')
            [CompletionResult]::new('--retry-failed', '--retry-failed', [CompletionResultType]::ParameterName, 'Run only the selected hosts that were not ok in this earlier report, and, when that run was killed before its summary, those it never reported. QUERY still selects from the source. (--resume does the same and appends to that report.)')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Carry on an earlier run: run only the hosts that are not ok in its report (also one cut short by a crash or a kill), and append to that report under a new header, so the file tells the whole story')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'Run on N hosts first (spread across environments and roles, the same pick every time); go on with the rest only if every one is ok')
            [CompletionResult]::new('--max-failures', '--max-failures', [CompletionResultType]::ParameterName, 'Stop starting hosts once N hosts are not ok (1 is fail-fast), or once more than P% of the finished ones are not ok; the rest are skipped')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Start hosts in waves of N (or P% of the selection), after the canaries; --max-failures is checked within and between waves')
            [CompletionResult]::new('--batch-pause', '--batch-pause', [CompletionResultType]::ParameterName, 'Wait this long between waves (Ctrl-C stops the wait and the run)')
            [CompletionResult]::new('--exclude-report', '--exclude-report', [CompletionResultType]::ParameterName, 'Leave out the hosts this report holds, whatever their outcome (the canaries a CI pipeline ran in an earlier job)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Act only on the K-th of N disjoint slices of the selected nodes (by a hash of the node name), so N runners cover the fleet exactly once. `auto`: the slice GitLab CI''s `parallel: N` gives this job (CI_NODE_INDEX/CI_NODE_TOTAL)')
            [CompletionResult]::new('--max-output', '--max-output', [CompletionResultType]::ParameterName, 'Output kept per host and stream (head and tail; the rest is counted)')
            [CompletionResult]::new('--chef-client-cmd', '--chef-client-cmd', [CompletionResultType]::ParameterName, 'The chef-client command on the hosts (run as root: under `sudo -n` when the login user is not root)')
            [CompletionResult]::new('--run-lock-timeout', '--run-lock-timeout', [CompletionResultType]::ParameterName, 'How long chef-client waits for another run''s lock before it gives up (passed as --run-lock-timeout; chef-client alone waits forever)')
            [CompletionResult]::new('--server-check', '--server-check', [CompletionResultType]::ParameterName, 'Confirm each successful run on the Chef server: the node''s ohai_time must move past the moment the run started, else the host is unverified. auto: when the nodes come from a Chef server')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]')
            [CompletionResult]::new('--manual-list', '--manual-list', [CompletionResultType]::ParameterName, 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]')
            [CompletionResult]::new('--ignore-case', '--ignore-case', [CompletionResultType]::ParameterName, 'Match field names and values regardless of ASCII case (platform:debian finds Debian). galley''s own: Chef Server matches case-sensitively, so this works with --inventory only, and the plan and summary say it is on')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (the hosts, the exact remote commands in order, the concurrency) and connect to nothing')
            [CompletionResult]::new('--raw-output', '--raw-output', [CompletionResultType]::ParameterName, 'Show hosts'' output with its control characters as they came (colours, cursor moves, title changes reach the terminal). By default they are shown escaped (`\e[31m`), so no host can rewrite what galley printed. Reports keep the bytes either way')
            [CompletionResult]::new('--overwrite-report', '--overwrite-report', [CompletionResultType]::ParameterName, 'Replace the --report file if it exists')
            [CompletionResult]::new('--why-run', '--why-run', [CompletionResultType]::ParameterName, 'chef-client''s dry run (--why-run): report what would change')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'galley;restart' {
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does')
            [CompletionResult]::new('--attribute', '--attribute', [CompletionResultType]::ParameterName, 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]')
            [CompletionResult]::new('--server-url', '--server-url', [CompletionResultType]::ParameterName, 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'The API client name')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The API client name')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'The API client''s private key file')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The API client''s private key file')
            [CompletionResult]::new('--sign-version', '--sign-version', [CompletionResultType]::ParameterName, 'The request signing protocol (mixlib-authentication)')
            [CompletionResult]::new('--server-timeout', '--server-timeout', [CompletionResultType]::ParameterName, 'Deadline for each request to the Chef server')
            [CompletionResult]::new('--search-rows', '--search-rows', [CompletionResultType]::ParameterName, 'Rows per page of partial search')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Login user. Default: the local user')
            [CompletionResult]::new('--ssh-user', '--ssh-user', [CompletionResultType]::ParameterName, 'Login user. Default: the local user')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port for every host, over the node''s cloud.public_ssh_port')
            [CompletionResult]::new('--ssh-port', '--ssh-port', [CompletionResultType]::ParameterName, 'Port for every host, over the node''s cloud.public_ssh_port')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa')
            [CompletionResult]::new('--identity-file', '--identity-file', [CompletionResultType]::ParameterName, 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Deadline for the connection, the SSH version exchange and the key exchange, as ssh_config''s ConnectTimeout (through gateways: each hop''s) [default: ssh_config ConnectTimeout, else 10s for the TCP connection and 30s with the key exchange]')
            [CompletionResult]::new('--login-timeout', '--login-timeout', [CompletionResultType]::ParameterName, 'Deadline for logging in after the key exchange: the host key check and authentication. A loaded host can take over 10s; OpenSSH''s client sets no limit there (sshd''s LoginGraceTime is 120s) [default: 30s]')
            [CompletionResult]::new('--host-key-check', '--host-key-check', [CompletionResultType]::ParameterName, 'How to check host keys [default: ssh_config StrictHostKeyChecking, else strict]. A changed key is refused under every policy but off')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'The OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config (none: no file). Read as ssh reads it, Host, Match and Include included; galley uses HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump, ProxyCommand, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias and the algorithm lists, and refuses, naming file and line, a setting that would make ssh connect another way. Flags win over it; the node''s cloud.public_ssh_port wins over its Port, as in knife. `galley ssh-config HOST` shows the result')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'The OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config (none: no file). Read as ssh reads it, Host, Match and Include included; galley uses HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump, ProxyCommand, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias and the algorithm lists, and refuses, naming file and line, a setting that would make ssh connect another way. Flags win over it; the node''s cloud.public_ssh_port wins over its Port, as in knife. `galley ssh-config HOST` shows the result')
            [CompletionResult]::new('-G', '-G ', [CompletionResultType]::ParameterName, 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target''s host key is still checked end to end')
            [CompletionResult]::new('--ssh-gateway', '--ssh-gateway', [CompletionResultType]::ParameterName, 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target''s host key is still checked end to end')
            [CompletionResult]::new('--gateway-concurrency', '--gateway-concurrency', [CompletionResultType]::ParameterName, 'Channels open at once through one gateway')
            [CompletionResult]::new('--known-hosts', '--known-hosts', [CompletionResultType]::ParameterName, 'The known_hosts file to read and (with accept-new) write, instead of ssh_config''s UserKnownHostsFile or ~/.ssh/known_hosts and known_hosts2. The global files (/etc/ssh/ssh_known_hosts) are read too')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'How many hosts run at once')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many hosts run at once')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Stop a remote command that runs longer than this (500ms, 30s, 5m); its processes on the host are killed. Default: no limit')
            [CompletionResult]::new('--drain-timeout', '--drain-timeout', [CompletionResultType]::ParameterName, 'Once the remote command has exited, wait at most this long for processes it started (`daemon &`) to release its output; then end the host with the command''s exit status and a note. Such processes are left running')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Also write a JSON Lines report here: a header, one line per host as it finishes, a summary. It stays valid if galley is killed. It is created readable by you only; an existing file is never written over (--resume adds to it, --overwrite-report replaces it)')
            [CompletionResult]::new('--retry-failed', '--retry-failed', [CompletionResultType]::ParameterName, 'Run only the selected hosts that were not ok in this earlier report, and, when that run was killed before its summary, those it never reported. QUERY still selects from the source. (--resume does the same and appends to that report.)')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Carry on an earlier run: run only the hosts that are not ok in its report (also one cut short by a crash or a kill), and append to that report under a new header, so the file tells the whole story')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'Run on N hosts first (spread across environments and roles, the same pick every time); go on with the rest only if every one is ok')
            [CompletionResult]::new('--max-failures', '--max-failures', [CompletionResultType]::ParameterName, 'Stop starting hosts once N hosts are not ok (1 is fail-fast), or once more than P% of the finished ones are not ok; the rest are skipped')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Start hosts in waves of N (or P% of the selection), after the canaries; --max-failures is checked within and between waves')
            [CompletionResult]::new('--batch-pause', '--batch-pause', [CompletionResultType]::ParameterName, 'Wait this long between waves (Ctrl-C stops the wait and the run)')
            [CompletionResult]::new('--exclude-report', '--exclude-report', [CompletionResultType]::ParameterName, 'Leave out the hosts this report holds, whatever their outcome (the canaries a CI pipeline ran in an earlier job)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Act only on the K-th of N disjoint slices of the selected nodes (by a hash of the node name), so N runners cover the fleet exactly once. `auto`: the slice GitLab CI''s `parallel: N` gives this job (CI_NODE_INDEX/CI_NODE_TOTAL)')
            [CompletionResult]::new('--max-output', '--max-output', [CompletionResultType]::ParameterName, 'Output kept per host and stream (head and tail; the rest is counted)')
            [CompletionResult]::new('--ctl', '--ctl', [CompletionResultType]::ParameterName, 'An omnibus control command (gitlab-ctl, packagecloud-ctl): `NAME restart SERVICE`, state from `NAME status SERVICE` (runit)')
            [CompletionResult]::new('--settle', '--settle', [CompletionResultType]::ParameterName, 'How long a restarted service must stay up, with the same pid, before its restart counts as proven')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]')
            [CompletionResult]::new('--manual-list', '--manual-list', [CompletionResultType]::ParameterName, 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]')
            [CompletionResult]::new('--ignore-case', '--ignore-case', [CompletionResultType]::ParameterName, 'Match field names and values regardless of ASCII case (platform:debian finds Debian). galley''s own: Chef Server matches case-sensitively, so this works with --inventory only, and the plan and summary say it is on')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (the hosts, the exact remote commands in order, the concurrency) and connect to nothing')
            [CompletionResult]::new('--raw-output', '--raw-output', [CompletionResultType]::ParameterName, 'Show hosts'' output with its control characters as they came (colours, cursor moves, title changes reach the terminal). By default they are shown escaped (`\e[31m`), so no host can rewrite what galley printed. Reports keep the bytes either way')
            [CompletionResult]::new('--overwrite-report', '--overwrite-report', [CompletionResultType]::ParameterName, 'Replace the --report file if it exists')
            [CompletionResult]::new('--systemd', '--systemd', [CompletionResultType]::ParameterName, 'systemd units: `systemctl restart UNIT`, state from `systemctl show`')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'galley;fixup' {
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does')
            [CompletionResult]::new('--attribute', '--attribute', [CompletionResultType]::ParameterName, 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]')
            [CompletionResult]::new('--server-url', '--server-url', [CompletionResultType]::ParameterName, 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'The API client name')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The API client name')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'The API client''s private key file')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The API client''s private key file')
            [CompletionResult]::new('--sign-version', '--sign-version', [CompletionResultType]::ParameterName, 'The request signing protocol (mixlib-authentication)')
            [CompletionResult]::new('--server-timeout', '--server-timeout', [CompletionResultType]::ParameterName, 'Deadline for each request to the Chef server')
            [CompletionResult]::new('--search-rows', '--search-rows', [CompletionResultType]::ParameterName, 'Rows per page of partial search')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Login user. Default: the local user')
            [CompletionResult]::new('--ssh-user', '--ssh-user', [CompletionResultType]::ParameterName, 'Login user. Default: the local user')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port for every host, over the node''s cloud.public_ssh_port')
            [CompletionResult]::new('--ssh-port', '--ssh-port', [CompletionResultType]::ParameterName, 'Port for every host, over the node''s cloud.public_ssh_port')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa')
            [CompletionResult]::new('--identity-file', '--identity-file', [CompletionResultType]::ParameterName, 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Deadline for the connection, the SSH version exchange and the key exchange, as ssh_config''s ConnectTimeout (through gateways: each hop''s) [default: ssh_config ConnectTimeout, else 10s for the TCP connection and 30s with the key exchange]')
            [CompletionResult]::new('--login-timeout', '--login-timeout', [CompletionResultType]::ParameterName, 'Deadline for logging in after the key exchange: the host key check and authentication. A loaded host can take over 10s; OpenSSH''s client sets no limit there (sshd''s LoginGraceTime is 120s) [default: 30s]')
            [CompletionResult]::new('--host-key-check', '--host-key-check', [CompletionResultType]::ParameterName, 'How to check host keys [default: ssh_config StrictHostKeyChecking, else strict]. A changed key is refused under every policy but off')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'The OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config (none: no file). Read as ssh reads it, Host, Match and Include included; galley uses HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump, ProxyCommand, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias and the algorithm lists, and refuses, naming file and line, a setting that would make ssh connect another way. Flags win over it; the node''s cloud.public_ssh_port wins over its Port, as in knife. `galley ssh-config HOST` shows the result')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'The OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config (none: no file). Read as ssh reads it, Host, Match and Include included; galley uses HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump, ProxyCommand, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias and the algorithm lists, and refuses, naming file and line, a setting that would make ssh connect another way. Flags win over it; the node''s cloud.public_ssh_port wins over its Port, as in knife. `galley ssh-config HOST` shows the result')
            [CompletionResult]::new('-G', '-G ', [CompletionResultType]::ParameterName, 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target''s host key is still checked end to end')
            [CompletionResult]::new('--ssh-gateway', '--ssh-gateway', [CompletionResultType]::ParameterName, 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target''s host key is still checked end to end')
            [CompletionResult]::new('--gateway-concurrency', '--gateway-concurrency', [CompletionResultType]::ParameterName, 'Channels open at once through one gateway')
            [CompletionResult]::new('--known-hosts', '--known-hosts', [CompletionResultType]::ParameterName, 'The known_hosts file to read and (with accept-new) write, instead of ssh_config''s UserKnownHostsFile or ~/.ssh/known_hosts and known_hosts2. The global files (/etc/ssh/ssh_known_hosts) are read too')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'How many hosts run at once')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many hosts run at once')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Stop a remote command that runs longer than this (500ms, 30s, 5m); its processes on the host are killed. Default: no limit')
            [CompletionResult]::new('--drain-timeout', '--drain-timeout', [CompletionResultType]::ParameterName, 'Once the remote command has exited, wait at most this long for processes it started (`daemon &`) to release its output; then end the host with the command''s exit status and a note. Such processes are left running')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Also write a JSON Lines report here: a header, one line per host as it finishes, a summary. It stays valid if galley is killed. It is created readable by you only; an existing file is never written over (--resume adds to it, --overwrite-report replaces it)')
            [CompletionResult]::new('--retry-failed', '--retry-failed', [CompletionResultType]::ParameterName, 'Run only the selected hosts that were not ok in this earlier report, and, when that run was killed before its summary, those it never reported. QUERY still selects from the source. (--resume does the same and appends to that report.)')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Carry on an earlier run: run only the hosts that are not ok in its report (also one cut short by a crash or a kill), and append to that report under a new header, so the file tells the whole story')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'Run on N hosts first (spread across environments and roles, the same pick every time); go on with the rest only if every one is ok')
            [CompletionResult]::new('--max-failures', '--max-failures', [CompletionResultType]::ParameterName, 'Stop starting hosts once N hosts are not ok (1 is fail-fast), or once more than P% of the finished ones are not ok; the rest are skipped')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Start hosts in waves of N (or P% of the selection), after the canaries; --max-failures is checked within and between waves')
            [CompletionResult]::new('--batch-pause', '--batch-pause', [CompletionResultType]::ParameterName, 'Wait this long between waves (Ctrl-C stops the wait and the run)')
            [CompletionResult]::new('--exclude-report', '--exclude-report', [CompletionResultType]::ParameterName, 'Leave out the hosts this report holds, whatever their outcome (the canaries a CI pipeline ran in an earlier job)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Act only on the K-th of N disjoint slices of the selected nodes (by a hash of the node name), so N runners cover the fleet exactly once. `auto`: the slice GitLab CI''s `parallel: N` gives this job (CI_NODE_INDEX/CI_NODE_TOTAL)')
            [CompletionResult]::new('--max-output', '--max-output', [CompletionResultType]::ParameterName, 'Output kept per host and stream (head and tail; the rest is counted)')
            [CompletionResult]::new('--remove-sources', '--remove-sources', [CompletionResultType]::ParameterName, 'Step 1: remove the apt sources whose file name or repository URI matches this regular expression (moved to the backup folder, as `galley apt-sources --remove`; `galley apt-sources QUERY --match REGEX` lists them first without removing anything)')
            [CompletionResult]::new('--restart', '--restart', [CompletionResultType]::ParameterName, 'Step 3: restart these services, in order (repeat the flag, or unicorn,nginx)')
            [CompletionResult]::new('--sources-dir', '--sources-dir', [CompletionResultType]::ParameterName, 'The apt folder on the hosts: its sources.list, sources.list.d/*.list and sources.list.d/*.sources are searched')
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'Where removed sources are kept, one dated folder per run (the backup id), from which --restore puts them back')
            [CompletionResult]::new('--chef-client-cmd', '--chef-client-cmd', [CompletionResultType]::ParameterName, 'The chef-client command on the hosts (run as root: under `sudo -n` when the login user is not root)')
            [CompletionResult]::new('--run-lock-timeout', '--run-lock-timeout', [CompletionResultType]::ParameterName, 'How long chef-client waits for another run''s lock before it gives up (passed as --run-lock-timeout; chef-client alone waits forever)')
            [CompletionResult]::new('--server-check', '--server-check', [CompletionResultType]::ParameterName, 'Confirm each successful run on the Chef server: the node''s ohai_time must move past the moment the run started, else the host is unverified. auto: when the nodes come from a Chef server')
            [CompletionResult]::new('--ctl', '--ctl', [CompletionResultType]::ParameterName, 'An omnibus control command (gitlab-ctl, packagecloud-ctl): `NAME restart SERVICE`, state from `NAME status SERVICE` (runit)')
            [CompletionResult]::new('--settle', '--settle', [CompletionResultType]::ParameterName, 'How long a restarted service must stay up, with the same pid, before its restart counts as proven')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]')
            [CompletionResult]::new('--manual-list', '--manual-list', [CompletionResultType]::ParameterName, 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]')
            [CompletionResult]::new('--ignore-case', '--ignore-case', [CompletionResultType]::ParameterName, 'Match field names and values regardless of ASCII case (platform:debian finds Debian). galley''s own: Chef Server matches case-sensitively, so this works with --inventory only, and the plan and summary say it is on')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (the hosts, the exact remote commands in order, the concurrency) and connect to nothing')
            [CompletionResult]::new('--raw-output', '--raw-output', [CompletionResultType]::ParameterName, 'Show hosts'' output with its control characters as they came (colours, cursor moves, title changes reach the terminal). By default they are shown escaped (`\e[31m`), so no host can rewrite what galley printed. Reports keep the bytes either way')
            [CompletionResult]::new('--overwrite-report', '--overwrite-report', [CompletionResultType]::ParameterName, 'Replace the --report file if it exists')
            [CompletionResult]::new('--no-converge', '--no-converge', [CompletionResultType]::ParameterName, 'Skip step 2, chef-client')
            [CompletionResult]::new('--why-run', '--why-run', [CompletionResultType]::ParameterName, 'chef-client''s dry run (--why-run): report what would change')
            [CompletionResult]::new('--systemd', '--systemd', [CompletionResultType]::ParameterName, 'systemd units: `systemctl restart UNIT`, state from `systemctl show`')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'galley;status' {
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does')
            [CompletionResult]::new('--attribute', '--attribute', [CompletionResultType]::ParameterName, 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]')
            [CompletionResult]::new('--server-url', '--server-url', [CompletionResultType]::ParameterName, 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'The API client name')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The API client name')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'The API client''s private key file')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The API client''s private key file')
            [CompletionResult]::new('--sign-version', '--sign-version', [CompletionResultType]::ParameterName, 'The request signing protocol (mixlib-authentication)')
            [CompletionResult]::new('--server-timeout', '--server-timeout', [CompletionResultType]::ParameterName, 'Deadline for each request to the Chef server')
            [CompletionResult]::new('--search-rows', '--search-rows', [CompletionResultType]::ParameterName, 'Rows per page of partial search')
            [CompletionResult]::new('--stale-after', '--stale-after', [CompletionResultType]::ParameterName, 'Flag nodes whose last successful run is older than this (90m, 2h)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Flag nodes whose last successful run is before this moment (2026-11-25T12:00:00Z, or a time ago such as -2h): did every node converge after the rotation?')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to print the nodes')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]')
            [CompletionResult]::new('--manual-list', '--manual-list', [CompletionResultType]::ParameterName, 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]')
            [CompletionResult]::new('--ignore-case', '--ignore-case', [CompletionResultType]::ParameterName, 'Match field names and values regardless of ASCII case (platform:debian finds Debian). galley''s own: Chef Server matches case-sensitively, so this works with --inventory only, and the plan and summary say it is on')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'galley;report' {
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'The summary and gathered outputs of one or more reports, merged: each host''s latest outcome wins. Exits 0 when every host is ok, 1 otherwise')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'The hosts whose outcome differs between two reports (a host missing from one counts). Exits 0 when none does, 1 otherwise')
            [CompletionResult]::new('junit', 'junit', [CompletionResultType]::ParameterValue, 'JUnit XML of one or more reports, merged as `show` merges them, for CI (GitLab''s test report, Jenkins'' junit step): a test suite per run, a test case per host named by its node; `failure` for failed or unverified, `error` for a host galley could not run on, `skipped` for one never started; the masked output as system-out. Exits 0 once written, whatever the hosts'' outcomes (the run''s own exit code said those)')
            [CompletionResult]::new('html', 'html', [CompletionResultType]::ParameterValue, 'One self-contained HTML page of one or more reports, merged as `show` merges them: the run, a timeline of every host (its phases, waves, canaries, where the rollout stopped), a host table to sort and filter, each host''s details and masked output, identical outputs gathered. No network access, no external files; a strict Content-Security-Policy keeps hosts'' output text. Exits 0 once written')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Hosts'' outcomes across many reports, newest first: when, the report, the command or steps, the query, the outcome and the reason. HOST is a node name, a host list (web-[01-04]) or a pattern (web-*). Answers from an index (~/.cache/galley/history.sqlite) that it first brings up to date: a report added, changed or removed since is read again or dropped. Exits 0 when a host was found, 4 when none was')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'galley;report;show' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'table: the human summary; json: one document')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'galley;report;diff' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'galley;report;junit' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write here (replaced whole, readable by its owner only) instead of standard output. Never one of the reports read')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write here (replaced whole, readable by its owner only) instead of standard output. Never one of the reports read')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'galley;report;html' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write here (replaced whole, readable by its owner only) instead of standard output. Never one of the reports read')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write here (replaced whole, readable by its owner only) instead of standard output. Never one of the reports read')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'galley;report;history' {
            [CompletionResult]::new('--reports', '--reports', [CompletionResultType]::ParameterName, 'Reports to look in: a folder (its *.jsonl files, not its subfolders) or a report file; repeatable. Default: the reports galley remembers writing on this machine (the last 200)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many runs per host, the newest; 0 for every one')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'galley;report;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'The summary and gathered outputs of one or more reports, merged: each host''s latest outcome wins. Exits 0 when every host is ok, 1 otherwise')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'The hosts whose outcome differs between two reports (a host missing from one counts). Exits 0 when none does, 1 otherwise')
            [CompletionResult]::new('junit', 'junit', [CompletionResultType]::ParameterValue, 'JUnit XML of one or more reports, merged as `show` merges them, for CI (GitLab''s test report, Jenkins'' junit step): a test suite per run, a test case per host named by its node; `failure` for failed or unverified, `error` for a host galley could not run on, `skipped` for one never started; the masked output as system-out. Exits 0 once written, whatever the hosts'' outcomes (the run''s own exit code said those)')
            [CompletionResult]::new('html', 'html', [CompletionResultType]::ParameterValue, 'One self-contained HTML page of one or more reports, merged as `show` merges them: the run, a timeline of every host (its phases, waves, canaries, where the rollout stopped), a host table to sort and filter, each host''s details and masked output, identical outputs gathered. No network access, no external files; a strict Content-Security-Policy keeps hosts'' output text. Exits 0 once written')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Hosts'' outcomes across many reports, newest first: when, the report, the command or steps, the query, the outcome and the reason. HOST is a node name, a host list (web-[01-04]) or a pattern (web-*). Answers from an index (~/.cache/galley/history.sqlite) that it first brings up to date: a report added, changed or removed since is read again or dropped. Exits 0 when a host was found, 4 when none was')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'galley;report;help;show' {
            break
        }
        'galley;report;help;diff' {
            break
        }
        'galley;report;help;junit' {
            break
        }
        'galley;report;help;html' {
            break
        }
        'galley;report;help;history' {
            break
        }
        'galley;report;help;help' {
            break
        }
        'galley;config' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The knife config file (config.rb or knife.rb) instead of knife''s lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The ~/.chef/credentials profile [default: CHEF_PROFILE, else ~/.chef/context, else default]')
            [CompletionResult]::new('--server-url', '--server-url', [CompletionResultType]::ParameterName, 'The Chef server URL, with the organization (https://chef.example.com/organizations/acme)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'The API client name')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The API client name')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'The API client''s private key file')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The API client''s private key file')
            [CompletionResult]::new('--sign-version', '--sign-version', [CompletionResultType]::ParameterName, 'The request signing protocol (mixlib-authentication)')
            [CompletionResult]::new('--server-timeout', '--server-timeout', [CompletionResultType]::ParameterName, 'Deadline for each request to the Chef server')
            [CompletionResult]::new('--search-rows', '--search-rows', [CompletionResultType]::ParameterName, 'Rows per page of partial search')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to print the settings')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'galley;completions' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write the scripts for every shell into this folder instead')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'galley;man' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write galley.1 and one page per subcommand into this folder instead')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('--markdown', '--markdown', [CompletionResultType]::ParameterName, 'Print the reference as one Markdown page instead (every subcommand''s --help: docs/reference.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'galley;ssh-config' {
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Login user. Default: the local user')
            [CompletionResult]::new('--ssh-user', '--ssh-user', [CompletionResultType]::ParameterName, 'Login user. Default: the local user')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port for every host, over the node''s cloud.public_ssh_port')
            [CompletionResult]::new('--ssh-port', '--ssh-port', [CompletionResultType]::ParameterName, 'Port for every host, over the node''s cloud.public_ssh_port')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa')
            [CompletionResult]::new('--identity-file', '--identity-file', [CompletionResultType]::ParameterName, 'Private key to authenticate with (repeatable). Without it: the agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Deadline for the connection, the SSH version exchange and the key exchange, as ssh_config''s ConnectTimeout (through gateways: each hop''s) [default: ssh_config ConnectTimeout, else 10s for the TCP connection and 30s with the key exchange]')
            [CompletionResult]::new('--login-timeout', '--login-timeout', [CompletionResultType]::ParameterName, 'Deadline for logging in after the key exchange: the host key check and authentication. A loaded host can take over 10s; OpenSSH''s client sets no limit there (sshd''s LoginGraceTime is 120s) [default: 30s]')
            [CompletionResult]::new('--host-key-check', '--host-key-check', [CompletionResultType]::ParameterName, 'How to check host keys [default: ssh_config StrictHostKeyChecking, else strict]. A changed key is refused under every policy but off')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'The OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config (none: no file). Read as ssh reads it, Host, Match and Include included; galley uses HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump, ProxyCommand, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias and the algorithm lists, and refuses, naming file and line, a setting that would make ssh connect another way. Flags win over it; the node''s cloud.public_ssh_port wins over its Port, as in knife. `galley ssh-config HOST` shows the result')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'The OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config (none: no file). Read as ssh reads it, Host, Match and Include included; galley uses HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump, ProxyCommand, ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias and the algorithm lists, and refuses, naming file and line, a setting that would make ssh connect another way. Flags win over it; the node''s cloud.public_ssh_port wins over its Port, as in knife. `galley ssh-config HOST` shows the result')
            [CompletionResult]::new('-G', '-G ', [CompletionResultType]::ParameterName, 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target''s host key is still checked end to end')
            [CompletionResult]::new('--ssh-gateway', '--ssh-gateway', [CompletionResultType]::ParameterName, 'Reach every host through this bastion, [user@]host[:port]; several, comma-separated, are a chain. Default: ssh_config ProxyJump. One session to each gateway carries all its targets, and each target''s host key is still checked end to end')
            [CompletionResult]::new('--gateway-concurrency', '--gateway-concurrency', [CompletionResultType]::ParameterName, 'Channels open at once through one gateway')
            [CompletionResult]::new('--known-hosts', '--known-hosts', [CompletionResultType]::ParameterName, 'The known_hosts file to read and (with accept-new) write, instead of ssh_config''s UserKnownHostsFile or ~/.ssh/known_hosts and known_hosts2. The global files (/etc/ssh/ssh_known_hosts) are read too')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Also mask what this regular expression matches, in hosts'' output, reports and everything galley shows (repeatable; a group named `secret` masks only that part: ''api_key=(?P<secret>\w+)''). Matched within a line. Always masked: credentials in URLs, private keys, Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens (glpat-, gldt-, glrt-)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'galley;help' {
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'List the nodes a query selects: address, environment, platform, last chef-client check-in')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a command on every selected host over SSH, in parallel')
            [CompletionResult]::new('apt-sources', 'apt-sources', [CompletionResultType]::ParameterValue, 'Find apt sources by file or repository URI on every selected host; with --remove, move them aside (backed up, restorable)')
            [CompletionResult]::new('converge', 'converge', [CompletionResultType]::ParameterValue, 'Run chef-client on every selected host, read its result, and confirm the run on the Chef server')
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Restart services in order and prove each restart: running, a new pid, up since the restart, still up after --settle')
            [CompletionResult]::new('fixup', 'fixup', [CompletionResultType]::ParameterValue, 'The post-rotation playbook over one SSH session per host: remove stale apt sources, run chef-client, restart services, verify. A host stops at its first failed step')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Fleet convergence, as knife status: each node''s last successful chef-client run (ohai_time), oldest first')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Read reports: the summary of one or more (shards, resumed runs: the latest outcome per host wins), or the hosts whose outcome changed between two')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the Chef server settings galley found, and where each came from (credentials profile, config.rb/knife.rb line, or flag). Never shows the key itself')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the line that registers galley''s completion in a shell, or write every shell''s script to a folder')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print galley''s man page (roff), or write every page to a folder')
            [CompletionResult]::new('ssh-config', 'ssh-config', [CompletionResultType]::ParameterValue, 'Show how galley reaches each HOST: ssh_config resolved as `ssh -G HOST` prints it (the same keywords, so the two can be compared), then galley''s own decisions: route, deadlines, host key policy')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'galley;help;search' {
            break
        }
        'galley;help;run' {
            break
        }
        'galley;help;apt-sources' {
            break
        }
        'galley;help;converge' {
            break
        }
        'galley;help;restart' {
            break
        }
        'galley;help;fixup' {
            break
        }
        'galley;help;status' {
            break
        }
        'galley;help;report' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'The summary and gathered outputs of one or more reports, merged: each host''s latest outcome wins. Exits 0 when every host is ok, 1 otherwise')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'The hosts whose outcome differs between two reports (a host missing from one counts). Exits 0 when none does, 1 otherwise')
            [CompletionResult]::new('junit', 'junit', [CompletionResultType]::ParameterValue, 'JUnit XML of one or more reports, merged as `show` merges them, for CI (GitLab''s test report, Jenkins'' junit step): a test suite per run, a test case per host named by its node; `failure` for failed or unverified, `error` for a host galley could not run on, `skipped` for one never started; the masked output as system-out. Exits 0 once written, whatever the hosts'' outcomes (the run''s own exit code said those)')
            [CompletionResult]::new('html', 'html', [CompletionResultType]::ParameterValue, 'One self-contained HTML page of one or more reports, merged as `show` merges them: the run, a timeline of every host (its phases, waves, canaries, where the rollout stopped), a host table to sort and filter, each host''s details and masked output, identical outputs gathered. No network access, no external files; a strict Content-Security-Policy keeps hosts'' output text. Exits 0 once written')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Hosts'' outcomes across many reports, newest first: when, the report, the command or steps, the query, the outcome and the reason. HOST is a node name, a host list (web-[01-04]) or a pattern (web-*). Answers from an index (~/.cache/galley/history.sqlite) that it first brings up to date: a report added, changed or removed since is read again or dropped. Exits 0 when a host was found, 4 when none was')
            break
        }
        'galley;help;report;show' {
            break
        }
        'galley;help;report;diff' {
            break
        }
        'galley;help;report;junit' {
            break
        }
        'galley;help;report;html' {
            break
        }
        'galley;help;report;history' {
            break
        }
        'galley;help;config' {
            break
        }
        'galley;help;completions' {
            break
        }
        'galley;help;man' {
            break
        }
        'galley;help;ssh-config' {
            break
        }
        'galley;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
