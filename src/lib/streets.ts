// Street suffixes, for the scan's street-address column detector and scrub's
// address recognizer: the primary names of USPS Publication 28 (appendix C1),
// the UK's that it lacks, and the abbreviations of the USPS and Royal Mail.

export const STREET_NAMES = [
  'Alley', 'Annex', 'Arcade', 'Avenue', 'Bayou', 'Beach', 'Bend', 'Bluff', 'Bottom', 'Boulevard', 'Branch', 'Bridge', 'Brook', 'Burg', 'Bypass',
  'Camp', 'Canyon', 'Cape', 'Causeway', 'Center', 'Circle', 'Cliff', 'Club', 'Common', 'Corner', 'Course', 'Court', 'Cove', 'Creek', 'Crescent',
  'Crest', 'Crossing', 'Crossroad', 'Curve', 'Dale', 'Dam', 'Divide', 'Drive', 'Estate', 'Expressway', 'Extension', 'Fall', 'Ferry', 'Field',
  'Flat', 'Ford', 'Forest', 'Forge', 'Fork', 'Fort', 'Freeway', 'Garden', 'Gateway', 'Glen', 'Green', 'Grove', 'Harbor', 'Haven', 'Heights',
  'Highway', 'Hill', 'Hollow', 'Inlet', 'Island', 'Isle', 'Junction', 'Key', 'Knoll', 'Lake', 'Land', 'Landing', 'Lane', 'Light', 'Loaf', 'Lock',
  'Lodge', 'Loop', 'Mall', 'Manor', 'Meadow', 'Mews', 'Mill', 'Mission', 'Motorway', 'Mount', 'Mountain', 'Neck', 'Orchard', 'Oval', 'Overpass',
  'Park', 'Parkway', 'Pass', 'Passage', 'Path', 'Pike', 'Pine', 'Place', 'Plain', 'Plaza', 'Point', 'Port', 'Prairie', 'Radial', 'Ramp', 'Ranch',
  'Rapid', 'Rest', 'Ridge', 'River', 'Road', 'Route', 'Row', 'Rue', 'Run', 'Shoal', 'Shore', 'Skyway', 'Spring', 'Spur', 'Square', 'Station',
  'Stravenue', 'Stream', 'Street', 'Summit', 'Terrace', 'Throughway', 'Trace', 'Track', 'Trafficway', 'Trail', 'Trailer', 'Tunnel', 'Turnpike',
  'Underpass', 'Union', 'Valley', 'Viaduct', 'View', 'Village', 'Ville', 'Vista', 'Walk', 'Wall', 'Way', 'Well',
  'Close', 'Parade',
] as const;

export const STREET_ABBREVIATIONS = [
  'St', 'Ave', 'Av', 'Rd', 'Blvd', 'Ln', 'Dr', 'Ct', 'Pl', 'Sq', 'Ter', 'Cir', 'Pkwy', 'Hwy', 'Trl', 'Cres', 'Gdns', 'Gr', 'Pde', 'Cl', 'Aly', 'Plz',
  'Xing', 'Expy', 'Fwy', 'Tpke', 'Ctr', 'Hts', 'Mnr', 'Mdws', 'Vly', 'Vw', 'Vlg', 'Byp', 'Brg', 'Brk', 'Crk', 'Jct', 'Lndg', 'Sta', 'Smt', 'Hbr', 'Pt', 'Est',
] as const;
