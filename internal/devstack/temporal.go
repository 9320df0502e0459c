package devstack

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	tlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
)

// TemporalOptions configures the embedded Temporal server.
type TemporalOptions struct {
	// DatabaseFile is the SQLite file holding all Temporal state. Empty means
	// in memory (tests that do not restart).
	DatabaseFile string
	// IP to bind all services to; default 127.0.0.1.
	IP string
	// FrontendPort for the gRPC frontend; 0 picks a free port.
	FrontendPort int
	// Namespace to create if it does not exist; default "default".
	Namespace string
	// LogLevel of the server's own log (debug, info, warn, error); default warn.
	LogLevel string
	// LogFile receives the server's log; empty means stderr.
	LogFile string
}

// Temporal is a running embedded Temporal server.
type Temporal struct {
	server    temporal.Server
	hostPort  string
	namespace string
}

// HostPort is the frontend address clients dial.
func (t *Temporal) HostPort() string { return t.hostPort }

// Namespace is the namespace created at start.
func (t *Temporal) Namespace() string { return t.namespace }

// Stop shuts the server down; in-flight workflows continue after the next
// start because their state is in the SQLite file.
func (t *Temporal) Stop() {
	if t.server != nil {
		t.server.Stop()
	}
}

// StartTemporal starts frontend, history, matching and worker services in this
// process. With a DatabaseFile, the schema is created on first start and
// reused afterwards, so workflows survive a restart.
func StartTemporal(opts TemporalOptions) (*Temporal, error) {
	if opts.IP == "" {
		opts.IP = "127.0.0.1"
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.LogLevel == "" {
		opts.LogLevel = "warn"
	}
	ports, err := freePorts(opts.IP, 5)
	if err != nil {
		return nil, err
	}
	if opts.FrontendPort == 0 {
		opts.FrontendPort = ports[0]
	}
	const clusterName = "active"
	frontend := net.JoinHostPort(opts.IP, strconv.Itoa(opts.FrontendPort))
	httpAddr := net.JoinHostPort(opts.IP, strconv.Itoa(ports[1]))

	sqlConf, err := sqliteConfig(opts.DatabaseFile)
	if err != nil {
		return nil, err
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, nil)
	if err != nil {
		return nil, fmt.Errorf("temporal namespace config: %w", err)
	}
	if err := sqliteschema.CreateNamespaces(sqlConf, ns); err != nil {
		return nil, fmt.Errorf("temporal create namespace %q: %w", opts.Namespace, err)
	}

	var conf config.Config
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = opts.IP
	conf.Persistence.DefaultStore = "sqlite-default"
	conf.Persistence.VisibilityStore = "sqlite-default"
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{"sqlite-default": {SQL: sqlConf}}
	conf.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             frontend,
				HTTPAddress:            httpAddr,
				ClusterID:              "aktenfluss-dev",
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	service := func(port, httpPort int) config.Service {
		var s config.Service
		s.RPC.GRPCPort = port
		s.RPC.BindOnIP = opts.IP
		s.RPC.HTTPPort = httpPort
		return s
	}
	conf.Services = map[string]config.Service{
		"frontend": service(opts.FrontendPort, ports[1]),
		"history":  service(ports[2], 0),
		"matching": service(ports[3], 0),
		"worker":   service(ports[4], 0),
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = frontend

	hostOf := func(name string) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort(opts.IP, strconv.Itoa(conf.Services[name].RPC.GRPCPort)))
	}
	logConf := tlog.Config{Level: opts.LogLevel, Format: "json", Stdout: opts.LogFile == "", OutputFile: opts.LogFile}
	logger := tlog.NewZapLogger(tlog.BuildZapLogger(logConf))

	dyn := dynamicconfig.StaticClient{
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key():                 8096,
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(&conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: hostOf("frontend"),
			primitives.HistoryService:  hostOf("history"),
			primitives.MatchingService: hostOf("matching"),
			primitives.WorkerService:   hostOf("worker"),
		}),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dyn),
	)
	if err != nil {
		return nil, fmt.Errorf("temporal new server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("temporal start: %w", err)
	}
	return &Temporal{server: srv, hostPort: frontend, namespace: opts.Namespace}, nil
}

func sqliteConfig(file string) (*config.SQL, error) {
	conf := &config.SQL{PluginName: sqliteplugin.PluginName}
	if file == "" {
		conf.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
		conf.DatabaseName = fmt.Sprintf("aktenfluss-%d", time.Now().UnixNano())
		return conf, nil // the sqlite plugin creates the schema of an in-memory database itself
	}
	conf.ConnectAttributes = map[string]string{
		// WAL survives a killed process (the dev-stack restart tests SIGKILL it)
		// and lets readers run beside the single writer connection.
		"mode": "rwc", "journal_mode": "wal", "synchronous": "normal", "busy_timeout": "10000",
	}
	conf.DatabaseName = file
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
			return nil, fmt.Errorf("temporal data dir: %w", err)
		}
		if err := sqliteschema.SetupSchema(conf); err != nil {
			return nil, fmt.Errorf("temporal schema in %s: %w", file, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("temporal database %s: %w", file, err)
	}
	return conf, nil
}

// freePorts reserves n distinct free TCP ports by listening on them at once.
func freePorts(ip string, n int) ([]int, error) {
	ports := make([]int, 0, n)
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			return nil, fmt.Errorf("find free port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
