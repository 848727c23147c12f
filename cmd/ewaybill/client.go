package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/server"
)

// Exit codes of the client: an RPC or connection failure is 1, a command
// line the client cannot make sense of is 2, as with most Unix tools.
const (
	exitOK    = 0
	exitRPC   = 1
	exitUsage = 2
)

// defaultAddr is where the client looks for the server when neither --addr
// nor EWAYBILL_ADDR says otherwise.
const defaultAddr = "127.0.0.1:9090"

// dialer opens a client connection to addr. Tests inject one that reaches an
// in-process server; runClient dials as --tls and --tls-ca say.
type dialer func(addr string) (*grpc.ClientConn, error)

// defaultDial connects without TLS, for a server on a trusted network or
// reached through a local tunnel; --tls or --tls-ca asks for TLS.
func defaultDial(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr, server.ClientOptions(grpc.WithTransportCredentials(insecure.NewCredentials()))...)
}

// commandAction performs one command's RPC over conn. arg is the command's
// positional argument, or "" when the command takes none.
type commandAction func(ctx context.Context, conn grpc.ClientConnInterface, arg string) (proto.Message, error)

// command is one "<resource> <verb>" of the client. The dispatcher and the
// usage listing both read the same table of commands, so the help can never
// promise a command that does not exist.
type command struct {
	resource string
	verb     string
	// arg names the one positional argument, e.g. "NAME"; empty for none.
	arg string
	// optional lets the positional argument be left out; the action then
	// gets "" (e.g. "pool status" lists every pool, "pool status SF" shows
	// one).
	optional bool
	// normalize turns the positional argument into a full resource name
	// before anything is sent, so usage mistakes are caught without a call.
	// Nil leaves it as given.
	normalize func(string) (string, error)
	// usage is a one-line description shown in the help.
	usage string
	// public commands need no API key.
	public bool
	// define declares the command's own flags on fs and returns the action
	// to run once fs has been parsed.
	define func(fs *flag.FlagSet) commandAction
}

// synopsis is the command as the usage shows it, e.g. "pool status [CODE]".
func (c command) synopsis() string {
	s := c.resource + " " + c.verb
	switch {
	case c.arg != "" && c.optional:
		s += " [" + c.arg + "]"
	case c.arg != "":
		s += " " + c.arg
	}
	return s
}

// usageError is a mistake on the command line found after flag parsing; it
// makes the client exit with exitUsage instead of exitRPC.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef builds a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return usageError{msg: fmt.Sprintf(format, args...)}
}

// clientFlags are the flags every command accepts after its verb.
type clientFlags struct {
	addr    string
	key     string
	timeout time.Duration
	tls     bool
	tlsCA   string
	// tlsConfig is what tls and tlsCA ask for once parsed (nil for no
	// TLS), with the CA file already read.
	tlsConfig *tls.Config
}

// defineClientFlags declares the global flags on fs. Only these have
// environment twins, applied after parsing (applyEnv).
func defineClientFlags(fs *flag.FlagSet) *clientFlags {
	g := &clientFlags{}
	fs.StringVar(&g.addr, "addr", defaultAddr, "server `address` (env EWAYBILL_ADDR)")
	fs.StringVar(&g.key, "key", "", "API `key` sent as a bearer token (env EWAYBILL_KEY)")
	fs.DurationVar(&g.timeout, "timeout", 10*time.Second, "deadline for the call; 0 for none (env EWAYBILL_TIMEOUT)")
	fs.BoolVar(&g.tls, "tls", false, "connect with TLS, verifying the server against the system's roots (env EWAYBILL_TLS)")
	fs.StringVar(&g.tlsCA, "tls-ca", "", "connect with TLS, verifying the server against the PEM CA or certificate in `file` instead (env EWAYBILL_TLS_CA)")
	return g
}

// runClient runs one client command and returns the process exit code.
// args excludes the program name, e.g. ["merchants", "get", "merchants/1"].
func runClient(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runClientWith(ctx, args, stdout, stderr, nil)
}

// runClientWith is runClient with the connection made by dial, so tests can
// point the client at an in-process server; nil dials as the command
// line's --tls and --tls-ca say.
func runClientWith(ctx context.Context, args []string, stdout, stderr io.Writer, dial dialer) int {
	table := commands()
	if len(args) == 0 {
		writeClientUsage(stderr, table)
		return exitUsage
	}
	if isHelp(args[0]) || len(args) > 1 && isHelp(args[1]) {
		writeClientUsage(stdout, table)
		return exitOK
	}
	cmd, ok := findCommand(table, args)
	if !ok {
		fmt.Fprintf(stderr, "error: unknown command %q\n\n", strings.Join(args[:min(2, len(args))], " "))
		writeClientUsage(stderr, table)
		return exitUsage
	}

	inv, err := parseInvocation(cmd, args[2:], os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		writeCommandUsage(stdout, cmd)
		return exitOK
	}
	if err != nil {
		return reportUsage(stderr, cmd, err)
	}
	// Notes come before the call, so that a generated request id is known
	// even when the call times out, which is when a retry needs it.
	for _, note := range inv.notes {
		fmt.Fprintln(stderr, note)
	}
	resp, err := inv.call(ctx, dial)
	if errors.As(err, new(usageError)) {
		return reportUsage(stderr, cmd, err)
	}
	if err != nil {
		writeError(stderr, err)
		return exitRPC
	}
	return writeResponse(stdout, stderr, resp)
}

// invocation is a parsed command line, ready to call the server.
type invocation struct {
	global *clientFlags
	act    commandAction
	arg    string
	// notes are told to the user on stderr before the call, e.g. a request
	// id the client generated.
	notes []string
}

// parseInvocation parses the arguments after the verb: the command's own
// flags, the global flags (then their EWAYBILL_* twins from getenv), and
// the positional.
func parseInvocation(cmd command, args []string, getenv func(string) string) (invocation, error) {
	fs := flag.NewFlagSet(cmd.resource+" "+cmd.verb, flag.ContinueOnError)
	// The caller reports parse errors like every other usage error, with
	// one "error:" prefix, so the flag package must stay silent.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	inv := invocation{global: defineClientFlags(fs), act: cmd.define(fs)}
	positionals, err := parseInterspersed(fs, args)
	if err != nil {
		return inv, err
	}
	if err := applyEnv(fs, getenv, "addr", "key", "timeout", "tls", "tls-ca"); err != nil {
		return inv, usagef("%v", err)
	}
	if inv.global.tlsConfig, err = clientTLSConfig(inv.global.tls, inv.global.tlsCA); err != nil {
		return inv, usagef("%v", err)
	}
	if inv.arg, err = cmd.positional(positionals); err != nil {
		return inv, err
	}
	if !cmd.public && inv.global.key == "" {
		return inv, usagef("an API key is required: pass --key or set EWAYBILL_KEY")
	}
	// Only a command line that will be sent gets generated values, so a
	// usage mistake never prints an id nobody can use.
	fs.VisitAll(func(f *flag.Flag) {
		if g, ok := f.Value.(generator); ok {
			if note := g.generate(); note != "" {
				inv.notes = append(inv.notes, note)
			}
		}
	})
	return inv, nil
}

// call connects with dial and runs the command with the key and deadline
// the global flags ask for.
func (inv invocation) call(ctx context.Context, dial dialer) (proto.Message, error) {
	if dial == nil {
		dial = dialWith(inv.global.tlsConfig)
	}
	conn, err := dial(inv.global.addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", inv.global.addr, err)
	}
	defer conn.Close()
	if inv.global.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, inv.global.timeout)
		defer cancel()
	}
	if inv.global.key != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+inv.global.key)
	}
	return inv.act(ctx, conn, inv.arg)
}

// isHelp reports whether s asks for the usage listing.
func isHelp(s string) bool {
	return s == "help" || s == "-h" || s == "-help" || s == "--help"
}

// findCommand looks up the command named by the first two arguments.
func findCommand(table []command, args []string) (command, bool) {
	if len(args) < 2 {
		return command{}, false
	}
	i := slices.IndexFunc(table, func(c command) bool {
		return c.resource == args[0] && c.verb == args[1]
	})
	if i < 0 {
		return command{}, false
	}
	return table[i], true
}

// positional checks that exactly the positional arguments the command
// declares were given and returns the one argument, if any, normalized.
func (c command) positional(args []string) (string, error) {
	switch {
	case c.arg == "" && len(args) > 0:
		return "", usagef("unexpected argument %q", args[0])
	case c.arg != "" && len(args) == 0 && c.optional:
		return "", nil
	case c.arg != "" && len(args) == 0:
		return "", usagef("missing %s", c.arg)
	case c.arg != "" && len(args) > 1:
		return "", usagef("expected one %s, got %d arguments", c.arg, len(args))
	case c.arg != "" && c.normalize != nil:
		return c.normalize(args[0])
	case c.arg != "":
		return args[0], nil
	}
	return "", nil
}

// reportUsage prints a command-line mistake and the command's usage.
func reportUsage(w io.Writer, cmd command, err error) int {
	fmt.Fprintf(w, "error: %v\n", err)
	writeCommandUsage(w, cmd)
	return exitUsage
}

// parseInterspersed parses flags wherever they appear among the positional
// arguments, which the flag package alone does not: it stops at the first
// positional. Everything after a "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positionals []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positionals, rest...), nil
		}
		if len(rest) == 0 {
			return positionals, nil
		}
		positionals = append(positionals, rest[0])
		args = rest[1:]
	}
}

// writeResponse prints resp as indented protojson on stdout. A secret in
// the response is also printed on stderr, because it is shown only once and
// must not be lost in a pipe that only keeps part of the JSON.
func writeResponse(stdout, stderr io.Writer, resp proto.Message) int {
	if report, ok := resp.(*ewaybillv1.ValidateOrdersResponse); ok {
		if !writeValidationReport(stdout, report) {
			return exitRPC
		}
		return exitOK
	}
	out, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(resp)
	if err != nil {
		fmt.Fprintf(stderr, "error: encode response: %v\n", err)
		return exitRPC
	}
	fmt.Fprintf(stdout, "%s\n", out)
	if secret := secretOf(resp); secret != "" {
		fmt.Fprintf(stderr, "secret (shown once): %s\n", secret)
	}
	return exitOK
}

// secretOf returns the API key secret a response carries, if any.
func secretOf(resp proto.Message) string {
	switch r := resp.(type) {
	case *ewaybillv1.CreateApiKeyResponse:
		return r.GetSecret()
	case *ewaybillv1.RegisterMerchantResponse:
		return r.GetApiKeySecret()
	}
	return ""
}

// writeError prints a failed call: the status code and message, then the
// machine-readable reason and every field violation the server attached.
func writeError(w io.Writer, err error) {
	st, ok := status.FromError(err)
	if !ok {
		fmt.Fprintf(w, "error: %v\n", err)
		return
	}
	fmt.Fprintf(w, "error: %s: %s\n", st.Code(), st.Message())
	details := st.Details()
	// The reason comes first whatever order the server sent the details in,
	// so scripts and people find it on the second line.
	for _, d := range details {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			fmt.Fprintf(w, "reason: %s\n", info.GetReason())
		}
	}
	for _, d := range details {
		switch d := d.(type) {
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				fmt.Fprintf(w, "  %s: %s\n", v.GetField(), v.GetDescription())
			}
		case *errdetails.RetryInfo:
			fmt.Fprintf(w, "retry after: %s\n", d.GetRetryDelay().AsDuration())
		}
	}
}

// writeClientUsage prints every command of table with its positional
// argument and flags, followed by the flags all commands share.
func writeClientUsage(w io.Writer, table []command) {
	fmt.Fprintln(w, "usage: ewaybill <resource> <verb> [positional] [flags]")
	fmt.Fprintln(w, "Flags and the positional argument may come in any order after the verb.")
	fmt.Fprintln(w, "The server itself runs with: ewaybill serve (see ewaybill serve -h);")
	fmt.Fprintln(w, "a stopped server's books are verified with: ewaybill check (see ewaybill check -h);")
	fmt.Fprintln(w, "a data dir is backed up, even while its server runs, with: ewaybill backup (see ewaybill backup -h)")
	fmt.Fprintln(w, "and put back with: ewaybill restore (see ewaybill restore -h);")
	fmt.Fprintln(w, "personal data is sealed again with a new key with: ewaybill rotate-pii-key (see ewaybill rotate-pii-key -h);")
	fmt.Fprintln(w, "the whole server is measured with: ewaybill bench, and crash-tested with: ewaybill torture.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, cmd := range table {
		writeCommandUsage(w, cmd)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "flags of every command:")
	fs := flag.NewFlagSet("global", flag.ContinueOnError)
	// An empty environment shows the built-in defaults and never a key.
	defineClientFlags(fs)
	writeFlags(w, fs)
}

// writeCommandUsage prints one command's synopsis, description and flags.
func writeCommandUsage(w io.Writer, cmd command) {
	synopsis := cmd.synopsis()
	fmt.Fprintf(w, "  %s\n      %s\n", synopsis, cmd.usage)
	fs := flag.NewFlagSet(synopsis, flag.ContinueOnError)
	cmd.define(fs)
	writeFlags(w, fs)
}

// writeFlags lists the flags of fs, one aligned line each, with defaults
// that are not the zero value.
func writeFlags(w io.Writer, fs *flag.FlagSet) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		if n, ok := f.Value.(argNamer); ok {
			typ = n.argName()
		}
		if typ != "" {
			typ = " " + typ
		}
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "false" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(tw, "        --%s%s\t%s\n", f.Name, typ, usage)
	})
	tw.Flush()
}

// enumNames maps the lower-case names users type to the numbers of one
// proto enum, e.g. "approved" to MERCHANT_STATE_APPROVED.
type enumNames map[string]int32

// namesOf derives enumNames from a generated X_value map by stripping the
// value prefix and lower-casing the rest; rename shortens names that are
// awkward to type. The UNSPECIFIED value is left out because it is never a
// valid choice.
func namesOf(values map[string]int32, prefix string, rename map[string]string) enumNames {
	names := enumNames{}
	for full, n := range values {
		if n == 0 {
			continue
		}
		short := strings.ToLower(strings.TrimPrefix(full, prefix))
		if r, ok := rename[short]; ok {
			short = r
		}
		names[short] = n
	}
	return names
}

// list returns the names in enum order, which is the order the proto
// documents them in.
func (e enumNames) list() []string {
	names := make([]string, 0, len(e))
	for name := range e {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int { return int(e[a] - e[b]) })
	return names
}

// parse returns the number of name, or an error listing the allowed names.
func (e enumNames) parse(name string) (int32, error) {
	if n, ok := e[strings.ToLower(name)]; ok {
		return n, nil
	}
	return 0, fmt.Errorf("allowed: %s", strings.Join(e.list(), ", "))
}

// argNamer is a flag value that tells the usage listing what to show as
// its argument, where flag.UnquoteUsage would only say "value".
type argNamer interface {
	argName() string
}

// enumValue is a flag value holding one enum number, set by its name.
type enumValue struct {
	names enumNames
	n     int32
}

// enumVar declares a flag that takes one of names and returns where its
// number is stored; it stays 0 (UNSPECIFIED) when the flag is not given.
func enumVar(fs *flag.FlagSet, name, usage string, names enumNames) *int32 {
	v := &enumValue{names: names}
	fs.Var(v, name, usage)
	return &v.n
}

func (v *enumValue) String() string {
	for name, n := range v.names {
		if n == v.n {
			return name
		}
	}
	return ""
}

func (v *enumValue) Set(s string) (err error) {
	v.n, err = v.names.parse(s)
	return err
}

func (v *enumValue) argName() string { return strings.Join(v.names.list(), "|") }

// int32Value is a flag value for an int32 proto field, so that values the
// field cannot hold are refused while parsing rather than silently wrapped.
type int32Value int32

// int32Var declares an int32 flag and returns where its value is stored.
func int32Var(fs *flag.FlagSet, name, usage string) *int32 {
	p := new(int32)
	fs.Var((*int32Value)(p), name, usage)
	return p
}

func (v *int32Value) String() string { return strconv.Itoa(int(*v)) }

func (v *int32Value) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return errors.New("not a 32-bit integer")
	}
	*v = int32Value(n)
	return nil
}

func (v *int32Value) argName() string { return "int" }

// optionalBool is a flag value for an optional bool field: nil until the
// flag is given. Unlike a flag.Bool it takes its value as the next argument
// ("--enabled false"), because a lone "--enabled" could not say false.
type optionalBool struct{ value *bool }

func (v *optionalBool) String() string {
	if v.value == nil {
		return ""
	}
	return strconv.FormatBool(*v.value)
}

func (v *optionalBool) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("must be true or false")
	}
	v.value = &b
	return nil
}

func (v *optionalBool) argName() string { return "true|false" }

// resourceName turns a bare id into a name in collection, e.g. "123" into
// "merchants/123", and leaves anything that already has a slash (a full name
// or a wrong one the server will explain) and the empty string alone.
func resourceName(collection, s string) string {
	if s == "" || strings.Contains(s, "/") {
		return s
	}
	return collection + "/" + s
}

// generator is a flag value that fills itself in when the flag was not
// given, once the command line is known to be sent. It returns a note for
// the user, or "" when it had a value.
type generator interface {
	generate() string
}

// requestIDValue is the --request-id of an admin change that a retry must
// not repeat. Left out, it becomes a fresh UUID that is printed, so the
// operator can retry a call that timed out with the same id and get a
// replay instead of a second change.
type requestIDValue struct {
	flag  string
	value string
}

// requestIDVar declares such a flag and returns where its value is stored.
func requestIDVar(fs *flag.FlagSet, name, usage string) *string {
	v := &requestIDValue{flag: name}
	fs.Var(v, name, usage)
	return &v.value
}

func (v *requestIDValue) String() string { return v.value }

func (v *requestIDValue) Set(s string) error {
	v.value = s
	return nil
}

func (v *requestIDValue) argName() string { return "id" }

func (v *requestIDValue) generate() string {
	if v.value != "" {
		return ""
	}
	v.value = uuid.NewString()
	return fmt.Sprintf("request id: %s (to retry, pass --%s %s: the server answers a retry as a replay and changes nothing twice)",
		v.value, v.flag, v.value)
}
