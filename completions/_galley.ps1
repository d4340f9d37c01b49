
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
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'List the nodes a query selects: address, environment, platform, last chef-client check-in')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or write all of them to a folder')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print galley''s man page (roff), or write every page to a folder')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'galley;search' {
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'Node JSON to search: a chef-repo folder (nodes/*.json), a file with an array of nodes, or saved `knife search node QUERY -F json` output')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does')
            [CompletionResult]::new('--attribute', '--attribute', [CompletionResultType]::ParameterName, 'The node attribute to connect to, as a dotted path (ipaddress, cloud.local_hostname). Default: cloud.public_hostname when set and not empty, else fqdn, as knife does')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to print the nodes')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]')
            [CompletionResult]::new('--manual-list', '--manual-list', [CompletionResultType]::ParameterName, 'QUERY is a list of hosts, separated by spaces or commas, with ranges: web-[01-12,15].example.com db[1-3]')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Show every attribute of each node, flattened as Chef search indexes it (the field names a query can use)')
            [CompletionResult]::new('--long', '--long', [CompletionResultType]::ParameterName, 'Show every attribute of each node, flattened as Chef search indexes it (the field names a query can use)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'galley;completions' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write the scripts for every shell into this folder instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'galley;man' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write galley.1 and one page per subcommand into this folder instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'galley;help' {
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'List the nodes a query selects: address, environment, platform, last chef-client check-in')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or write all of them to a folder')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print galley''s man page (roff), or write every page to a folder')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'galley;help;search' {
            break
        }
        'galley;help;completions' {
            break
        }
        'galley;help;man' {
            break
        }
        'galley;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
