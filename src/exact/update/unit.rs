//! The update unit at beat level ([`UpdateUnitModel`]): `lanes` lanes, one LFSR each, the
//! saturation counter, command handling and the sign packer.

use super::command::{GridRaw, UpdateCommand, UpdateMode};
use super::filters::pack_advance;
use super::lane::{lane_update, LaneOut};
use crate::error::{QtrainError, Result};
use crate::fixed::Saturation;
use crate::hw::UpdateParams;
use crate::lfsr::Lfsr;

/// What the unit emits for one beat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BeatOut {
    /// One result per lane.
    pub lanes: Vec<LaneOut>,
    /// A completed packed sign word, on the beat that completes it (packing on).
    pub pack: Option<u64>,
}

/// The whole unit, beat by beat: command state, one LFSR per lane, saturation counter, sign packer.
#[derive(Clone, Debug)]
pub struct UpdateUnitModel {
    p: UpdateParams,
    cmd: UpdateCommand,
    grid: GridRaw,
    lfsrs: Vec<Lfsr>,
    sat: Saturation,
    pack_pos: u32,
    pack_acc: u64,
}

impl UpdateUnitModel {
    /// The unit after power-on: mode R, binary grid, packing off, lanes seeded with seed 0.
    pub fn new(p: &UpdateParams) -> Result<Self> {
        p.validate()?;
        let cmd = UpdateCommand::default();
        Ok(Self {
            grid: cmd.grid_raw(p)?,
            lfsrs: (0..p.lanes as u32).map(|l| p.lfsr.lane(0, l)).collect(),
            p: p.clone(),
            cmd,
            sat: Saturation::new(),
            pack_pos: 0,
            pack_acc: 0,
        })
    }

    /// The unit's parameters.
    pub fn params(&self) -> &UpdateParams {
        &self.p
    }

    /// Apply a command (the hardware accepts one only when its pipeline is empty).
    pub fn command(&mut self, c: &UpdateCommand) -> Result<()> {
        self.grid = c.grid_raw(&self.p)?;
        c.validate(&self.p)?;
        self.cmd = *c;
        if let Some(seed) = c.reseed {
            for (l, lf) in self.lfsrs.iter_mut().enumerate() {
                *lf = self.p.lfsr.lane(seed, l as u32);
            }
        }
        if c.clear_saturation {
            self.sat = Saturation::new();
        }
        self.pack_pos = 0;
        self.pack_acc = 0;
        Ok(())
    }

    /// Saturations counted since power-on or the last clearing command.
    pub fn saturation(&self) -> Saturation {
        self.sat
    }

    /// Current LFSR state of every lane.
    pub fn lane_states(&self) -> Vec<u64> {
        self.lfsrs.iter().map(Lfsr::state).collect()
    }

    /// Restore every lane's LFSR state (a resumed run; one state per lane, each a valid state of
    /// the unit's LFSR).
    pub fn set_lane_states(&mut self, states: &[u64]) -> Result<()> {
        if states.len() != self.lfsrs.len() {
            return Err(QtrainError::Shape(format!(
                "{} lane states for a unit of {} lanes",
                states.len(),
                self.lfsrs.len()
            )));
        }
        self.lfsrs = states
            .iter()
            .map(|&s| Lfsr::with_state(self.p.lfsr, s))
            .collect::<Result<_>>()?;
        Ok(())
    }

    /// Process one beat of `lanes` (w, u) pairs (raw values; errors if one is out of its format).
    pub fn beat(&mut self, w: &[i64], u: &[i64]) -> Result<BeatOut> {
        let n = self.p.lanes;
        if w.len() != n || u.len() != n {
            return Err(QtrainError::Shape(format!(
                "a beat has {n} lanes, got {} weights and {} steps",
                w.len(),
                u.len()
            )));
        }
        let mut lanes = Vec::with_capacity(n);
        for l in 0..n {
            if !self.p.w_format.contains(w[l]) || !self.p.u_format.contains(u[l]) {
                return Err(QtrainError::Shape(format!(
                    "lane {l}: w = {} or u = {} is outside {} / {}",
                    w[l], u[l], self.p.w_format, self.p.u_format
                )));
            }
            let draw = if self.cmd.mode == UpdateMode::Sr {
                self.lfsrs[l].draw(self.p.sr_bits)
            } else {
                0
            };
            lanes.push(lane_update(
                &self.p,
                self.cmd.mode,
                &self.grid,
                w[l],
                u[l],
                draw,
                &mut self.sat,
            ));
        }
        let pack = if self.cmd.pack {
            self.pack_step(&lanes)
        } else {
            None
        };
        Ok(BeatOut { lanes, pack })
    }

    /// The packer: place this beat's sign bits at the filter position, emit a word when it is full or
    /// the filter ends.
    fn pack_step(&mut self, lanes: &[LaneOut]) -> Option<u64> {
        let len = self.cmd.filter_bits;
        let (slot, emit, next) = pack_advance(self.pack_pos, lanes.len() as u32, len);
        for (l, o) in lanes.iter().enumerate() {
            if self.pack_pos + (l as u32) < len && o.q >= 0 {
                self.pack_acc |= 1 << (slot + l as u32);
            }
        }
        self.pack_pos = next;
        emit.then(|| std::mem::take(&mut self.pack_acc))
    }

    /// Process a whole stream (length a multiple of `lanes`), beat by beat.
    pub fn run(&mut self, w: &[i64], u: &[i64]) -> Result<Vec<BeatOut>> {
        let n = self.p.lanes;
        if w.len() != u.len() || w.len() % n != 0 {
            return Err(QtrainError::Shape(format!(
                "stream of {} weights and {} steps is not a whole number of {n}-lane beats",
                w.len(),
                u.len()
            )));
        }
        w.chunks(n)
            .zip(u.chunks(n))
            .map(|(wb, ub)| self.beat(wb, ub))
            .collect()
    }
}
