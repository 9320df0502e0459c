package devstack

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// TemporalUI is the Temporal Web UI served from assets embedded in the
// binary: operators see which timer fired and which activity retried.
type TemporalUI struct {
	srv  *uiserver.Server
	addr string
	errc chan error
}

// URL is where the UI answers.
func (u *TemporalUI) URL() string { return "http://" + u.addr }

// Stop shuts the UI server down.
func (u *TemporalUI) Stop() { u.srv.Stop() }

// StartTemporalUI serves the Web UI on addr (HOST:PORT) for the Temporal
// frontend at temporalAddr. It makes no outbound requests (news fetching is
// off) and waits until the UI answers.
func StartTemporalUI(addr, temporalAddr, namespace string) (*TemporalUI, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("temporal ui address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("temporal ui port %q: %w", portStr, err)
	}
	if port == 0 {
		ports, err := freePorts(host, 1)
		if err != nil {
			return nil, err
		}
		port = ports[0]
	}
	// The UI server reports a busy port only from its blocking Start; check
	// first so that dev fails with a clear error instead of a dead UI.
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("temporal ui: %w", err)
	}
	_ = l.Close()
	srv := uiserver.NewServer(uiserveroptions.WithConfigProvider(&uiconfig.Config{
		Host:                host,
		Port:                port,
		TemporalGRPCAddress: temporalAddr,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		DisableNewsFetch:    true,
		HideLogs:            true,
		CORS:                uiconfig.CORS{CookieInsecure: true},
	}))
	u := &TemporalUI{srv: srv, addr: net.JoinHostPort(host, strconv.Itoa(port)), errc: make(chan error, 1)}
	go func() { u.errc <- srv.Start() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-u.errc:
			return nil, fmt.Errorf("temporal ui: %w", err)
		default:
		}
		resp, err := http.Get(u.URL() + "/")
		if err == nil {
			_ = resp.Body.Close()
			return u, nil
		}
		if time.Now().After(deadline) {
			srv.Stop()
			return nil, errors.New("temporal ui did not answer within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
