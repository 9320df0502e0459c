package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// intakeMetrics counts what the consumer does with envelopes.
type intakeMetrics struct {
	started     prometheus.Counter
	startErrors prometheus.Counter
	quarantined *prometheus.CounterVec
}

func newIntakeMetrics(reg prometheus.Registerer) *intakeMetrics {
	m := &intakeMetrics{
		started: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aktenfluss_intake_workflows_started_total",
			Help: "Envelopes for which InboundDocument was started or found running.",
		}),
		startErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aktenfluss_intake_start_errors_total",
			Help: "Failed workflow starts (retried by redelivery).",
		}),
		quarantined: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aktenfluss_intake_quarantined_total",
			Help: "Envelopes put into quarantine, by reason.",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.started, m.startErrors, m.quarantined)
	return m
}

// countingStarter counts workflow starts.
type countingStarter struct {
	next intake.Starter
	m    *intakeMetrics
}

func (s countingStarter) StartInbound(ctx context.Context, env intake.Envelope) error {
	err := s.next.StartInbound(ctx, env)
	if err != nil {
		s.m.startErrors.Inc()
		return err
	}
	s.m.started.Inc()
	return nil
}

// countingQuarantine counts quarantined envelopes by reason.
type countingQuarantine struct {
	next intake.Quarantine
	m    *intakeMetrics
}

func (q countingQuarantine) AddQuarantine(ctx context.Context, item intake.QuarantineItem) (intake.QuarantineItem, error) {
	saved, err := q.next.AddQuarantine(ctx, item)
	if err == nil {
		q.m.quarantined.WithLabelValues(item.Reason).Inc()
	}
	return saved, err
}

// registerCollector reports the register's size by status and the open
// quarantine at scrape time, read from the records store, so the numbers
// are right whichever process did the work.
type registerCollector struct {
	store      store.Store
	entries    *prometheus.Desc
	quarantine *prometheus.Desc
}

func newRegisterCollector(s store.Store) *registerCollector {
	return &registerCollector{
		store:      s,
		entries:    prometheus.NewDesc("aktenfluss_register_entries", "Register entries by status.", []string{"status"}, nil),
		quarantine: prometheus.NewDesc("aktenfluss_quarantine_open", "Quarantine items not yet retried.", nil, nil),
	}
}

func (c *registerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.entries
	ch <- c.quarantine
}

func (c *registerCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, st := range []records.Status{records.StatusRegistered, records.StatusClassified, records.StatusFailed} {
		n, err := c.store.CountEntries(ctx, store.EntryFilter{Status: st})
		if err != nil {
			ch <- prometheus.NewInvalidMetric(c.entries, err)
			return
		}
		ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, float64(n), string(st))
	}
	open, err := c.store.CountQuarantined(ctx, store.QuarantineFilter{})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.quarantine, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.quarantine, prometheus.GaugeValue, float64(open))
}
