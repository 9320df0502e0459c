package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web/api"
)

// cmdUsers manages local accounts: every change of who may log in and
// with which roles is a permission change and goes into the audit trail.
func cmdUsers(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"users: add, list, passwd, roles or disable?"}
	}
	fs := flagSet("users "+args[0], stderr)
	cf := addClientFlags(fs)
	name := fs.String("name", "", "add: full name")
	email := fs.String("email", "", "add: e-mail address")
	roleFlag := fs.String("role", "", "add/roles: roles, comma-separated ("+strings.Join(auth.RoleStrings(auth.AllRoles), ", ")+")")
	pwStdin := fs.Bool("password-stdin", false, "add/passwd: read the password from the first line of standard input")
	asJSON := fs.Bool("json", false, "list: as JSON")
	as := fs.String("as", "", "who acts (login name; recorded in the audit trail)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	wantArgs := 1
	if args[0] == "list" {
		wantArgs = 0
	}
	if fs.NArg() != wantArgs {
		return usageError{"users " + args[0] + ": " + map[bool]string{true: "no arguments", false: "give one LOGIN"}[wantArgs == 0]}
	}
	login := fs.Arg(0)

	// Everything that can be refused without the database is refused first.
	var roles []auth.Role
	var hash string
	switch args[0] {
	case "add", "roles":
		var err error
		if roles, err = auth.ParseRoles(*roleFlag); err != nil {
			return usageError{"users " + args[0] + ": --role: " + err.Error()}
		}
	}
	switch args[0] {
	case "add":
		if strings.TrimSpace(*name) == "" {
			return usageError{"users add: --name fehlt"}
		}
		if err := api.CheckLogin(login); err != nil {
			return usageError{"users add: " + err.Error()}
		}
	case "passwd":
		if !*pwStdin {
			return usageError{"users passwd: das Passwort kommt über --password-stdin"}
		}
	case "list", "roles", "disable":
	default:
		return usageError{fmt.Sprintf("users: unknown subcommand %q", args[0])}
	}
	if *pwStdin && (args[0] == "add" || args[0] == "passwd") {
		pw, err := readPassword(stdin)
		if err != nil {
			return err
		}
		if hash, err = auth.HashPassword(pw, auth.DefaultArgon2Params); err != nil {
			return err
		}
	}

	_, s, err := openStore(ctx, cf)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	actor := cliActor(*as)

	switch args[0] {
	case "add":
		u, err := s.PutUser(ctx, store.User{Login: login, Name: strings.TrimSpace(*name), Email: strings.TrimSpace(*email),
			PasswordHash: hash, Roles: auth.RoleStrings(roles)})
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("Benutzer %s gibt es schon", login)
		}
		if err != nil {
			return err
		}
		if err := recordEvent(ctx, s, actor, api.ActionUserCreated, "user", u.Login, map[string]any{
			"roles_before": []string{}, "roles_after": u.Roles, "password_set": hash != "",
		}, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Benutzer %s angelegt: %s\n", u.Login, auth.RoleLabels(auth.RolesFromStrings(u.Roles)))
		if hash == "" {
			fmt.Fprintf(stdout, "Noch kein Passwort: aktenfluss users passwd %s --password-stdin\n", u.Login)
		}
		return nil

	case "list":
		users, err := s.Users(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(users)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LOGIN\tNAME\tROLLEN\tANMELDUNG\tSTATUS")
		for _, u := range users {
			var how []string
			if u.PasswordHash != "" {
				how = append(how, "Passwort")
			}
			if u.OIDCSubject != "" {
				how = append(how, "OIDC")
			}
			status := "aktiv"
			if u.Disabled {
				status = "gesperrt"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Login, u.Name, strings.Join(u.Roles, ","), orDash(strings.Join(how, "+")), status)
		}
		return tw.Flush()

	case "passwd":
		if err := s.SetPassword(ctx, login, hash); err != nil {
			return notFoundAsUser(login, err)
		}
		// A new password ends the sessions opened with the old one.
		n, err := s.DeleteSessionsOf(ctx, login)
		if err != nil {
			return err
		}
		if err := recordEvent(ctx, s, actor, api.ActionUserPasswordSet, "user", login, map[string]any{"sessions_ended": n}, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Passwort von %s gesetzt; %d Sitzung(en) beendet\n", login, n)
		return nil

	case "roles":
		before, err := s.User(ctx, login)
		if err != nil {
			return notFoundAsUser(login, err)
		}
		if err := s.SetRoles(ctx, login, auth.RoleStrings(roles)); err != nil {
			return notFoundAsUser(login, err)
		}
		after := auth.RoleStrings(roles)
		if err := recordEvent(ctx, s, actor, api.ActionUserRolesChanged, "user", login, map[string]any{
			"roles_before": before.Roles, "roles_after": after,
		}, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Rollen von %s: %s\n", login, auth.RoleLabels(roles))
		return nil

	case "disable":
		u, err := s.User(ctx, login)
		if err != nil {
			return notFoundAsUser(login, err)
		}
		if u.Disabled {
			fmt.Fprintf(stdout, "Benutzer %s ist bereits gesperrt\n", login)
			return nil
		}
		u.Disabled = true
		if _, err := s.PutUser(ctx, u); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("Benutzer %s wurde gerade geändert; bitte erneut versuchen", login)
			}
			return err
		}
		// PutUser ended the sessions in its transaction.
		if err := recordEvent(ctx, s, actor, api.ActionUserDisabled, "user", login, map[string]any{
			"roles_before": u.Roles, "roles_after": u.Roles,
		}, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Benutzer %s gesperrt; Sitzungen beendet\n", login)
		return nil
	}
	return nil
}

// readPassword reads one line; only the line end is removed, so spaces
// in a passphrase count.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

func notFoundAsUser(login string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("Benutzer %s gibt es nicht", login)
	}
	return err
}
