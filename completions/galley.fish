complete --keep-order --exclusive --command galley --arguments "(COMPLETE=fish galley -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
