package app

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// DemoAccountsFile is where the demo's accounts and their passwords are
// written, in the data directory, readable by its owner only.
const DemoAccountsFile = "demo-accounts.txt"

// DemoAccount is a local account of the demo, one per role, mostly people
// of the demo organisation (app/demo_org.yaml).
type DemoAccount struct {
	Login    string
	Password string
	Roles    []auth.Role
	Name     string
	// Note says where the person works, for the printout.
	Note string
}

// demoPeople are the demo's accounts without passwords: a clerk and an
// approver of the Rechnungseingang (20.1) and of the Bauordnung (63), the
// Poststelle and the Registratur of the Hauptamt (10), an auditor of the
// Rechnungsprüfungsamt (not a unit of the demo: auditors need none) and
// the administration.
var demoPeople = []DemoAccount{
	{Login: "r.poststelle", Roles: []auth.Role{auth.RoleMailroom}, Name: "Rosa Post", Note: "10 Hauptamt, Poststelle"},
	{Login: "a.schneider", Roles: []auth.Role{auth.RoleClerk}, Name: "Anna Schneider", Note: "20.1 Rechnungseingang"},
	{Login: "m.wolf", Roles: []auth.Role{auth.RoleApprover}, Name: "Martina Wolf", Note: "20.1 Rechnungseingang, Leitung"},
	{Login: "e.koch", Roles: []auth.Role{auth.RoleClerk}, Name: "Emil Koch", Note: "63 Bauordnung"},
	{Login: "g.richter", Roles: []auth.Role{auth.RoleApprover}, Name: "Gerda Richter", Note: "63 Bauordnung, Leitung"},
	{Login: "p.sommer", Roles: []auth.Role{auth.RoleRegistrar}, Name: "Paul Sommer", Note: "10 Hauptamt, Registratur"},
	{Login: "i.pruefer", Roles: []auth.Role{auth.RoleAuditor}, Name: "Ina Prüfer", Note: "Rechnungsprüfungsamt"},
	{Login: "h.albrecht", Roles: []auth.Role{auth.RoleAdmin}, Name: "Hanna Albrecht", Note: "10 Hauptamt, Administration"},
}

// SeedDemoAccounts gives the demo one account per role. The passwords are
// generated at the first seed and written to DATA_DIR/demo-accounts.txt
// (mode 0600); later calls read that file and change nothing. An account
// that exists without the file (the file was deleted) gets a new password.
func SeedDemoAccounts(ctx context.Context, s store.Store, dataDir string) ([]DemoAccount, error) {
	path := filepath.Join(dataDir, DemoAccountsFile)
	if accounts, err := ReadDemoAccounts(path); err == nil {
		return accounts, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	accounts := make([]DemoAccount, len(demoPeople))
	for i, a := range demoPeople {
		pw, err := demoPassword()
		if err != nil {
			return nil, err
		}
		h, err := auth.HashPassword(pw, auth.DefaultArgon2Params)
		if err != nil {
			return nil, err
		}
		u, err := s.User(ctx, a.Login)
		switch {
		case errors.Is(err, store.ErrNotFound):
			_, err = s.PutUser(ctx, store.User{Login: a.Login, Name: a.Name, PasswordHash: h, Roles: auth.RoleStrings(a.Roles)})
		case err == nil && u.Disabled:
			err = fmt.Errorf("demo account %s is disabled", a.Login)
		case err == nil:
			err = s.SetPassword(ctx, a.Login, h)
		}
		if err != nil {
			return nil, fmt.Errorf("demo account %s: %w", a.Login, err)
		}
		a.Password = pw
		accounts[i] = a
	}
	if err := writeDemoAccounts(path, accounts); err != nil {
		return nil, err
	}
	return accounts, nil
}

// SeedDemoAccountsFor seeds the accounts into the dev stack described by
// info (see SeedDemoAccounts).
func SeedDemoAccountsFor(ctx context.Context, info DevInfo) ([]DemoAccount, error) {
	cfg := config.Defaults()
	info.Apply(&cfg)
	d, err := Connect(ctx, cfg, discardLogger(), Needs{Store: true})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return SeedDemoAccounts(ctx, d.Store, info.DataDir)
}

// demoPasswordAlphabet leaves out letters and digits that are easily
// mistaken for one another (0/O, 1/l/I).
const demoPasswordAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// demoPassword returns 16 random characters in groups of four (80 bits),
// e.g. "k7mq-2xpa-9rtv-bn4e".
func demoPassword() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("demo password: %w", err)
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(demoPasswordAlphabet[int(c)%len(demoPasswordAlphabet)])
	}
	return sb.String(), nil
}

const demoAccountsHeader = "# Zugänge der aktenfluss-Demo, bei der ersten Einrichtung erzeugt – nur für die Demo.\n" +
	"# Demo accounts, generated at the first seed – for the demo only.\n" +
	"# Benutzername\tPasswort\tRollen\tName\tEinheit\n"

func writeDemoAccounts(path string, accounts []DemoAccount) error {
	var b bytes.Buffer
	b.WriteString(demoAccountsHeader)
	for _, a := range accounts {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\n", a.Login, a.Password, strings.Join(auth.RoleStrings(a.Roles), ","), a.Name, a.Note)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write demo accounts: %w", err)
	}
	return os.Rename(tmp, path)
}

// ReadDemoAccounts reads a file written by SeedDemoAccounts.
func ReadDemoAccounts(path string) ([]DemoAccount, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []DemoAccount
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			return nil, fmt.Errorf("%s: unreadable line %q", path, f[0])
		}
		roles, err := auth.ParseRoles(f[2])
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, f[0], err)
		}
		out = append(out, DemoAccount{Login: f[0], Password: f[1], Roles: roles, Name: f[3], Note: f[4]})
	}
	return out, sc.Err()
}
