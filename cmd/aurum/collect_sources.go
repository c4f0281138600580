package main

import (
	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/eia"
	"github.com/aurum-energy/aurum/producers/fred"
	"github.com/aurum-energy/aurum/producers/iso/caiso"
	"github.com/aurum-energy/aurum/producers/iso/ercot"
	"github.com/aurum-energy/aurum/producers/iso/isone"
	"github.com/aurum-energy/aurum/producers/iso/miso"
	"github.com/aurum-energy/aurum/producers/iso/nyiso"
	"github.com/aurum-energy/aurum/producers/iso/pjm"
	"github.com/aurum-energy/aurum/producers/iso/spp"
	"github.com/aurum-energy/aurum/producers/noaa"
	"github.com/aurum-energy/aurum/producers/worldbank"
)

// sources are the sources `aurum collect` and `aurum dev` know. Each
// package declares its flags and constructor in its Spec; a new source is
// its package and one line here.
var sources = collector.NewRegistry(
	fred.Spec,
	eia.Spec,
	worldbank.Spec,
	noaa.Spec,
	pjm.Spec,
	nyiso.Spec,
	isone.Spec,
	spp.Spec,
	caiso.Spec,
	ercot.Spec,
	miso.Spec,
)
