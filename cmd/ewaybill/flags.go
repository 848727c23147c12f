package main

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
)

// applyEnv gives flags of a parsed fs that were not set on the command line
// the value of their environment twin (--data-dir ↔ EWAYBILL_DATA_DIR), as
// getenv reports it; an empty value counts as unset. The command line wins,
// then the environment, then the default. It runs after parsing, so usage
// listings show the defaults, never a key found in the environment. With
// only, just those flags have twins.
func applyEnv(fs *flag.FlagSet, getenv func(string) string, only ...string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil || (len(only) > 0 && !slices.Contains(only, f.Name)) {
			return
		}
		name := envName(f.Name)
		if v := getenv(name); v != "" {
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

// parseOffline parses the flags of a subcommand that takes no positional
// argument and gives envFlags their EWAYBILL_ twins. stop reports that the
// command ends here, with code: ok after -h, notRun after a usage mistake
// (already reported on fs's output).
func parseOffline(fs *flag.FlagSet, args []string, getenv func(string) string, ok, notRun int, envFlags ...string) (code int, stop bool) {
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return ok, true
	} else if err != nil {
		return notRun, true
	}
	if err := applyEnv(fs, getenv, envFlags...); err != nil {
		fmt.Fprintf(fs.Output(), "ewaybill %s: %v\n", fs.Name(), err)
		return notRun, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "ewaybill %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return notRun, true
	}
	return ok, false
}
