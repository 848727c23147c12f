package boltstore

import "github.com/ewaybill/ewaybill/storage/pii"

// Personal data is sealed by package pii, at the encode and decode of the
// tables that hold it (see table.go); the names below are this package's
// for its parts.

type personal = pii.Fields

// PII record kinds, named as in RotatePII's report.
const (
	KindWaybills        = pii.KindWaybills
	KindMerchants       = pii.KindMerchants
	KindMappingProfiles = pii.KindMappingProfiles
)

var (
	waybillPII        = pii.Waybills
	merchantPII       = pii.Merchants
	mappingProfilePII = pii.MappingProfiles
	piiTables         = pii.All

	marshalOptions = pii.MarshalOptions
)
