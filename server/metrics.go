package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus collectors, in a registry of its own
// so that several servers (tests) never share state.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge
	shed     prometheus.Counter

	poolAvailable *prometheus.GaugeVec
	poolLow       *prometheus.GaugeVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ewaybill_grpc_requests_total",
			Help: "gRPC requests (REST included, through the gateway) by method and status code.",
		}, []string{"method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ewaybill_grpc_request_duration_seconds",
			Help:    "gRPC request latency by method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ewaybill_grpc_requests_in_flight",
			Help: "gRPC requests being served now.",
		}),
		shed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ewaybill_requests_shed_total",
			Help: "Requests refused as OVERLOADED because the server held as many as it may (gRPC and REST); they are in no other request metric when refused unread.",
		}),
	}
	m.poolAvailable = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ewaybill_pool_available",
		Help: "Never-issued numbers left in a carrier's pool, as of its last change.",
	}, []string{"carrier"})
	m.poolLow = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ewaybill_pool_low",
		Help: "1 while a carrier's pool is below its low watermark: import a new range before it runs dry.",
	}, []string{"carrier"})
	m.registry.MustRegister(m.requests, m.latency, m.inFlight, m.shed, m.poolAvailable, m.poolLow,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// poolLevel records a carrier's pool after a change (quota.Service.PoolLevel).
func (m *metrics) poolLevel(carrier string, available, lowWatermark int64) {
	m.poolAvailable.WithLabelValues(carrier).Set(float64(available))
	low := 0.0
	if available < lowWatermark {
		low = 1
	}
	m.poolLow.WithLabelValues(carrier).Set(low)
}
