package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// applyEnv gives every flag of fs not set on the command line the value of
// its environment twin: --data-dir ↔ EWAYBILL_DATA_DIR. The command line
// wins, then the environment, then the default.
func applyEnv(fs *flag.FlagSet) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		name := envName(f.Name)
		if v, ok := os.LookupEnv(name); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %w", name, v, e)
			}
		}
	})
	return err
}

func envName(flagName string) string {
	return "EWAYBILL_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}
